"""EX-RND-01 Round-amount cash deposits: the worked example of docs/adding-a-typology.md."""
