-- The hotel on the wall (issue 13): an alarm when tonight is overbooked because out-of-order blocks
-- took rooms that were already sold (a booking itself never oversells: room_inventory refuses it).
ALTER TABLE alarms DROP CONSTRAINT alarms_subject_kind_check;
ALTER TABLE alarms ADD CONSTRAINT alarms_subject_kind_check
  CHECK (subject_kind IN ('venue', 'zone', 'gate', 'attraction', 'hotel'));
ALTER TABLE alarms DROP CONSTRAINT alarms_kind_check;
ALTER TABLE alarms ADD CONSTRAINT alarms_kind_check
  CHECK (kind IN ('capacity', 'device_offline', 'offline_conflict', 'reject_rate', 'queue', 'attraction_silent', 'stranded',
                  'hotel_overbooked'));
