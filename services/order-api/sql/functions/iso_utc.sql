-- JavaScript's Date#toISOString format, so the API passes timestamps through unchanged.
CREATE OR REPLACE FUNCTION "iso_utc"(t TIMESTAMPTZ) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
