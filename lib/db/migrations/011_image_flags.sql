-- 011_image_flags: what a provider says of each image it made: Leonardo's
-- nsfw flag, Gemini's SynthID watermark (NULL: the provider says nothing).

ALTER TABLE images ADD COLUMN nsfw boolean;
ALTER TABLE images ADD COLUMN synthid boolean;
