-- OCR provenance: which engine and model read each image, and what it read line by line, so a
-- later engine change re-reads only what is stale (`python -m imagedrive reocr`).

ALTER TABLE ocr_texts
    -- NULL: the engine ran and read nothing; the row still records that this engine looked.
    ALTER COLUMN text DROP NOT NULL,
    ADD COLUMN engine text,   -- 'rapidocr', 'doctr'; NULL on rows written before provenance (stale)
    ADD COLUMN model  text,   -- the engine's model identity (file names and a digest of the weights)
    ADD COLUMN lines  jsonb;  -- [{"text", "confidence", "box": [xmin, ymin, xmax, ymax] in 0..1}], reading order

CREATE INDEX ocr_texts_provenance_idx ON ocr_texts (engine, model);
