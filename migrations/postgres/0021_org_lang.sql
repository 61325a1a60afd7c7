-- An organization's language (a BCP 47 tag such as zh-Hans, zh-Hant-TW, ja, ko or en): the
-- regional glyph forms of the images the service draws for it and the words they print (the
-- printable card's "Scan to add me"). Organizations created before this column keep `en`, what
-- their cards printed until now; new ones are created with the service's default (zh-Hans).
ALTER TABLE organizations ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
