-- An order row is updated twice after its insert (reserved, then confirmed or rejected), within
-- a second or two. With every page filled to the brim (the default fillfactor 100) the new
-- version went to another page: two index entries more (orders_pkey, the user's
-- (user_id, created_at)) and a dead tuple for vacuum to clear from both indexes. 47% of updates
-- went that way. With room left on each page, the update stays on its page (a HOT update: no
-- index entry, and the old version is pruned on the page). Applies to pages written from now on.
ALTER TABLE "orders" SET (fillfactor = 70);
