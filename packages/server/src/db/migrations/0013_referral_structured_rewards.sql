-- Referral rewards used to be free-form objects that Canyu only announced ("as your app understands
-- it"). They are now structured: points and coupons that Canyu credits, and `host` for what the app
-- fulfils itself. Rewards of campaigns made before keep their meaning: they move under `host`, so
-- upgrading never starts crediting anything nobody configured.
UPDATE cm_campaigns SET settings = settings || jsonb_build_object(
  'inviter_reward', CASE WHEN coalesce(settings->'inviter_reward', '{}'::jsonb) = '{}'::jsonb THEN '{}'::jsonb ELSE jsonb_build_object('host', settings->'inviter_reward') END,
  'invitee_reward', CASE WHEN coalesce(settings->'invitee_reward', '{}'::jsonb) = '{}'::jsonb THEN '{}'::jsonb ELSE jsonb_build_object('host', settings->'invitee_reward') END)
WHERE kind = 'referral';
