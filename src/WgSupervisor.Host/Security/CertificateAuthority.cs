using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WgSupervisor.Host.Security;

/// <summary>
/// A small cluster CA made with .NET's own certificate APIs (no openssl): ECDSA P-256 keys, a self-signed CA that may only sign
/// end-entity certificates, and per-node certificates for both ends of a TLS connection (remoting dials and accepts).
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3652);
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1", ClientAuth = "1.3.6.1.5.5.7.3.2";
    /// <summary>Clocks of the nodes may disagree by a little: a certificate made now is valid from a few minutes ago.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly ECDsa _key;

    public X509Certificate2 Certificate { get; }

    private CertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
    }

    public static CertificateAuthority Create(string commonName, DateTimeOffset now)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.CreateSelfSigned(now - ClockSkew, now + CaLifetime);
        // The certificate alone: the key stays in _key and is written apart, never inside the certificate file.
        return new CertificateAuthority(X509CertificateLoader.LoadCertificate(certificate.RawData), key);
    }

    /// <summary>An existing CA from its PEM files.</summary>
    public static CertificateAuthority Load(string certificateFile, string keyFile)
    {
        var certificate = X509CertificateLoader.LoadCertificateFromFile(certificateFile);
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(keyFile));
        if (!certificate.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            throw new CryptographicException($"{keyFile} is not the key of {certificateFile}");
        return new CertificateAuthority(certificate, key);
    }

    /// <summary>A node's certificate: CN = the node, every host as a SubjectAltName, serverAuth and clientAuth, at most as long as the CA.</summary>
    public (X509Certificate2 Certificate, ECDsa Key) Issue(string node, IReadOnlyList<string> hosts, TimeSpan lifetime, DateTimeOffset now)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={node}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuth), new Oid(ClientAuth)], false));
        request.CertificateExtensions.Add(SubjectAltNames(hosts));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var notAfter = Min(now + lifetime, new DateTimeOffset(Certificate.NotAfter.ToUniversalTime()));
        var notBefore = Max(now - ClockSkew, new DateTimeOffset(Certificate.NotBefore.ToUniversalTime()));
        var certificate = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), notBefore, notAfter, SerialNumber());
        return (certificate, key);
    }

    public string KeyPem() => _key.ExportPkcs8PrivateKeyPem();

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }

    private static X509Extension SubjectAltNames(IReadOnlyList<string> hosts)
    {
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
            if (IPAddress.TryParse(host, out var address)) names.AddIpAddress(address);
            else names.AddDnsName(host);
        return names.Build();
    }

    /// <summary>A random positive serial number (RFC 5280: unique per CA, at most 20 bytes).</summary>
    private static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
