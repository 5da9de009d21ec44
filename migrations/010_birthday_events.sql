-- The birthdays calendar (issue 16): a contact's birthday event is a rendered item of its own,
-- kind 'birthday' under the contact's id, so every employee's birthdays calendar serves one body
-- and one ETag per contact, moving only when the event itself changes (name, date of birth).
ALTER TABLE dav.entity DROP CONSTRAINT entity_kind_check;
ALTER TABLE dav.entity ADD CONSTRAINT entity_kind_check CHECK (kind IN ('contact', 'task', 'appointment', 'birthday'));

-- Contacts with a birthday render their events on the first pass (their cards keep their ETags:
-- same content, same hash).
INSERT INTO dav.change_log (kind, entity_id)
SELECT 'contact', id FROM brokerstar.contact WHERE birthday IS NOT NULL AND deleted_at IS NULL;
