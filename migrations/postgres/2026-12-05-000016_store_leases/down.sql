DROP TABLE store_leases;
