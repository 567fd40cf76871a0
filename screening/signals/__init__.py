"""Per-review screening signals: near-duplicate rings, text-product mismatch, behaviour, a text
classifier and an unsupervised outlier score. Each module turns workspace data into numeric columns
plus the evidence needed to explain them."""
