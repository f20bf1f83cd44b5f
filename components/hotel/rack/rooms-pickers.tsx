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
