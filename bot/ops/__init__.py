"""Operations: logging, metrics, backups and the doctor's checks."""
