"""FHIR R5 (5.0.0) mappers: the R4 mapping rules, shaped for R5 where its elements differ."""
