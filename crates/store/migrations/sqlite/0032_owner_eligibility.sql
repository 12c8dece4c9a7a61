-- 人车家 eligibility: a wave or a beta group may be for the owners of a product (its own, or
-- another: SU7 owners first in line for the YU7). NULL: no ownership rule.
ALTER TABLE waves ADD COLUMN owners_of_product_id INTEGER REFERENCES products(id);
ALTER TABLE beta_groups ADD COLUMN owners_of_product_id INTEGER REFERENCES products(id);
