-- The served texts also kept escaped for XML text content (& < > and CR as &#13;): a multiget or
-- sync-collection of 5,000 cards then writes each one as it is stored instead of escaping
-- megabytes on every request. Filled by the change pump for every item it renders; rows from
-- before this migration are filled by the server's upkeep and escaped per request until then.
ALTER TABLE dav.entity_body ADD COLUMN body_xml text;
