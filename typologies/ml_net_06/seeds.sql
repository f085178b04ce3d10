-- ML-NET-06: the seeds' accounts (hop 0): accounts of the seed parties (ml_net_06_seed_parties)
-- and seed accounts (ml_net_06_seed_accounts).
INSERT INTO ml_net_06_seen
SELECT DISTINCT account_id, 0 FROM (
  SELECT a.account_id FROM accounts a JOIN ml_net_06_seed_parties s ON a.party_id = s.party_id
  UNION SELECT account_id FROM ml_net_06_seed_accounts
) x
