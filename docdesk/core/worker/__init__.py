"""The retry worker: claims queued documents, extracts, chunks, embeds and saves them."""
