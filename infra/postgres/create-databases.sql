-- One database per service (a service never reads another service's tables).
-- Run once by the postgres image on an empty volume; the local stack creates the same list
-- from packages/stack-client/src/topology.ts.
CREATE DATABASE order_api;
CREATE DATABASE inventory;
CREATE DATABASE payment;
CREATE DATABASE email;
