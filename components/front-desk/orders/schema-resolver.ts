import { zodResolver } from '@hookform/resolvers/zod';
import type { FieldValues, Resolver } from 'react-hook-form';
import type * as z from 'zod';

/**
 * A react-hook-form resolver that checks a form against a shared input schema (lib/schemas/*):
 * `toInput` adds what the form does not edit (order and ticket ids, the shift) and leaves out
 * what does not apply (no supervisor for unused tickets). Field names are the schema's paths, so
 * its messages land on the right fields.
 */
export function schemaResolver<TForm extends FieldValues, S extends z.ZodType>(
  schema: S,
  toInput: (values: TForm) => z.input<S>,
): Resolver<TForm, unknown, z.output<S>> {
  const inner = zodResolver(schema as never) as unknown as Resolver<FieldValues, unknown, z.output<S>>;
  return (values, context, options) =>
    inner(toInput(values) as FieldValues, context, options as never) as ReturnType<
      Resolver<TForm, unknown, z.output<S>>
    >;
}
