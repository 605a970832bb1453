"""HTTP access to KooMap: models, client, authentication, errors. Never imports Textual."""
