'use client';

interface TNamed {
  id: number;
  nameZh: string;
  nameEn: string;
}

/** A name in the screen's language. */
export const nameIn = (locale: string, x: { nameZh: string; nameEn: string }) =>
  locale === 'en' ? x.nameEn : x.nameZh;

/**
 * The venue and hotel a rooms screen (the rack, the housekeeping board) shows: a picker for each
 * only when there is a choice (most users have one venue and most venues one hotel), else the
 * hotel's name.
 */
export function RoomsPickers({
  locale,
  venues,
  venueId,
  onVenue,
  hotels,
  hotel,
  onHotel,
  hotelLabel,
}: {
  locale: string;
  venues: TNamed[];
  venueId: number;
  onVenue: (id: number) => void;
  /** The venue's hotels and the one shown, once the screen's read has answered. */
  hotels: TNamed[] | undefined;
  hotel: TNamed | undefined;
  onHotel: (id: number) => void;
  hotelLabel: string;
}) {
  return (
    <>
      {venues.length > 1 ? (
        <select value={venueId} onChange={(e) => onVenue(Number(e.target.value))} aria-label="venue">
          {venues.map((v) => (
            <option key={v.id} value={v.id}>
              {nameIn(locale, v)}
            </option>
          ))}
        </select>
      ) : null}
      {hotels && hotel && hotels.length > 1 ? (
        <select value={hotel.id} onChange={(e) => onHotel(Number(e.target.value))} aria-label={hotelLabel}>
          {hotels.map((h) => (
            <option key={h.id} value={h.id}>
              {nameIn(locale, h)}
            </option>
          ))}
        </select>
      ) : hotel ? (
        <strong>{nameIn(locale, hotel)}</strong>
      ) : null}
    </>
  );
}

export interface TRoomsNotice {
  text: string;
  error?: boolean;
}

/**
 * What the last action said (a status, or an alert when it failed), then the read's own state:
 * loading, or its error while there is nothing to show (an error after data keeps the data).
 */
export function RoomsStatus({
  notice,
  noticeTestId,
  pending,
  error,
  hasData,
  loadingText,
  errorText,
}: {
  notice: TRoomsNotice | null;
  noticeTestId: string;
  pending: boolean;
  error: unknown;
  hasData: boolean;
  loadingText: string;
  errorText: (err: unknown) => string;
}) {
  return (
    <>
      {notice ? (
        <p
          className={notice.error ? 'error' : 'notice'}
          role={notice.error ? 'alert' : 'status'}
          data-testid={noticeTestId}
        >
          {notice.text}
        </p>
      ) : null}
      {pending ? <p className="muted">{loadingText}</p> : null}
      {error && !hasData ? (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      ) : null}
    </>
  );
}
