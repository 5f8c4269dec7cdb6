-- The application's database and Prefect's (Prefect's migrations need pg_trgm).
CREATE DATABASE qa;
CREATE DATABASE prefect;
\connect prefect
CREATE EXTENSION IF NOT EXISTS pg_trgm;
