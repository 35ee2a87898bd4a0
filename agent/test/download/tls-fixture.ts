/**
 * Self-signed TLS material for the HTTPS tests (test-only; valid for
 * 127.0.0.1 until 2125). Regenerate with:
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
 *     -keyout key.pem -out cert.pem -days 36500 -subj "/CN=tillroll-test" \
 *     -addext "subjectAltName=IP:127.0.0.1"
 */

export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmDCCAT6gAwIBAgIUFj0dzmgP3X9iTU0b1lvRBu3YTDYwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNdGlsbHJvbGwtdGVzdDAgFw0yNjExMjEwOTM0MTdaGA8yMTI2
MTAyODA5MzQxN1owGDEWMBQGA1UEAwwNdGlsbHJvbGwtdGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABCi6xKupz6zTICFlNCrJHrmZjXac2TWgxfG48nr9Yep3
N7ZbVOh5Yb13OMjLfLAHbZgvpNJybDZyCDFHJMoaL96jZDBiMB0GA1UdDgQWBBTR
P9WHB5CrtFLfL1bz1SDzki2qhjAfBgNVHSMEGDAWgBTRP9WHB5CrtFLfL1bz1SDz
ki2qhjAPBgNVHRMBAf8EBTADAQH/MA8GA1UdEQQIMAaHBH8AAAEwCgYIKoZIzj0E
AwIDSAAwRQIhALIIhr35RnIWunS7kXK/lTts1qQppHisV7hGoJtAjLnpAiAxu5oG
qJE+/AYHWqYHMRB/u+xM/ahaR0PEP/N67na/bA==
-----END CERTIFICATE-----
`;

export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDkSKsD78erKW7Cjs
s3vMy4RzhVrO78JSCBaehexDbH6hRANCAAQousSrqc+s0yAhZTQqyR65mY12nNk1
oMXxuPJ6/WHqdze2W1ToeWG9dzjIy3ywB22YL6TScmw2cggxRyTKGi/e
-----END PRIVATE KEY-----
`;
