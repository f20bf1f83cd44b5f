/** A venue as the desk, hotel and rooms screens start from (app/area-page.tsx gives it to them). */
export interface TAreaVenue {
  id: number;
  code: string;
  nameZh: string;
  nameEn: string;
  timeZone: string;
}

/** The signed-in user as those screens show them. */
export interface TAreaUser {
  id: number;
  email: string;
  name: string;
  role: string;
}
