-- Each mail's row is claimed (inserted, status 'sending') and marked sent a moment later. On
-- full pages (fillfactor 100) 88% of those updates moved the row to another page, with a new
-- sent_emails_pkey entry and a dead tuple for vacuum. With room left on each page the update
-- stays on its page (HOT: no index entry). Applies to pages written from now on.
ALTER TABLE "sent_emails" SET (fillfactor = 60);
