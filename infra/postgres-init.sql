-- docker-compose.yml only: the postgres image runs this once, on an empty volume, as
-- POSTGRES_USER (dignity). infra/postgres.sh does the same for the Debian cluster.
CREATE DATABASE dignity_test OWNER dignity;
