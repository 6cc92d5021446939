-- Runs once, when the postgres container starts on an empty data volume
-- (docker-entrypoint-initdb.d), as the superuser POSTGRES_USER (dagtilbud).
-- One database per service; no service reads another's tables.
CREATE DATABASE dagtilbud_ingest OWNER dagtilbud;
CREATE DATABASE dagtilbud_auth OWNER dagtilbud;
CREATE DATABASE dagtilbud_profiles OWNER dagtilbud;
CREATE DATABASE dagtilbud_search OWNER dagtilbud;

-- Only the owner may connect; PUBLIC may by default.
REVOKE CONNECT, TEMPORARY ON DATABASE dagtilbud_ingest FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE dagtilbud_auth FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE dagtilbud_profiles FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE dagtilbud_search FROM PUBLIC;
