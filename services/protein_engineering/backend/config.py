"""Settings of the protein_engineering service, read from the environment."""

from annadata_common.settings import ServiceSettings

SERVICE_NAME = "protein_engineering"


class Settings(ServiceSettings):
    """Environment settings; MAX_SEQUENCE_LENGTH bounds the work one request can ask for."""

    service_name: str = SERVICE_NAME
    max_sequence_length: int = 10_000
    crop_traits_file: str = "crop_traits.csv"
