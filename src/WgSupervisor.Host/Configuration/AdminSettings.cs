using System.Net;
using WgSupervisor.Host.Security;

namespace WgSupervisor.Host.Configuration;

/// <param name="Url">Where the admin endpoint listens (no path); https:// needs a certificate.</param>
/// <param name="TokenFile">A file holding the admin token; the token itself never sits in the configuration file.</param>
/// <param name="Token">The token from WGSUPERVISOR_ADMIN_TOKEN, else from <paramref name="TokenFile"/>.</param>
public sealed record AdminSettings(Uri Url, string? TokenFile, AdminToken Token)
{
    public const string DefaultUrl = "http://127.0.0.1:5080";
    public static AdminSettings Default => new(new Uri(DefaultUrl), null, AdminToken.None);

    /// <summary>A file holding the read-only token (for dashboards and Prometheus).</summary>
    public string? ReadTokenFile { get; init; }

    /// <summary>The read-only token from WGSUPERVISOR_ADMIN_READ_TOKEN, else from <see cref="ReadTokenFile"/>: GET and HEAD only.</summary>
    public AdminToken ReadToken { get; init; } = AdminToken.None;

    /// <summary>The certificate of an https:// <see cref="Url"/> (Admin's own, else the Cluster:Tls one).</summary>
    public CertificateSource Certificate { get; init; } = CertificateSource.None;

    /// <summary>How many failed authentications a client address may have per window before it gets 429.</summary>
    public AuthFailureBudget AuthFailures { get; init; } = AuthFailureBudget.Default;

    /// <summary>Listening on loopback only: reads stay open there, mutations need the admin token.</summary>
    public bool IsLoopback => AdminSection.IsLoopback(Url);

    public bool IsHttps => Url.Scheme == Uri.UriSchemeHttps;
}

/// <summary>Failed authentications allowed per client address within each window (a fixed window).</summary>
public sealed record AuthFailureBudget(int Limit, TimeSpan Window)
{
    public static AuthFailureBudget Default => new(20, TimeSpan.FromSeconds(60));
}

/// <summary>
/// The Admin section: where the admin endpoint listens, its certificate when it is https, the token that guards its
/// mutating routes (and every route off loopback), the read-only token, and the budget of failed authentications.
/// </summary>
public static class AdminSection
{
    public const string Name = "Admin";

    /// <summary>The read-only token, outside the WGSUP_ configuration prefix like the admin token.</summary>
    public const string ReadTokenVariable = "WGSUPERVISOR_ADMIN_READ_TOKEN";

    private const int MinimumTokenLength = 16;

    private static readonly KeyTable<AdminSettings> AuthFailureKeys = new KeyTable<AdminSettings>()
        .Key("Limit", (k, a) => a with { AuthFailures = a.AuthFailures with { Limit = k.Integer(a.AuthFailures.Limit, minimum: 1, maximum: 100_000) } })
        .Key("WindowSeconds", (k, a) => a with
        {
            AuthFailures = a.AuthFailures with { Window = k.Seconds(a.AuthFailures.Window.TotalSeconds, minimum: 1, maximum: 24 * 3600) },
        });

    private static readonly KeyTable<AdminSettings> Keys = new KeyTable<AdminSettings>()
        .Key("Url", (k, a) => a with { Url = k.Url(AdminSettings.DefaultUrl) })
        .Key("TokenFile", (k, a) => a with { TokenFile = k.Text })
        .Key("ReadTokenFile", (k, a) => a with { ReadTokenFile = k.Text })
        .Include(CertificateSource.Keys<AdminSettings>(a => a.Certificate, (a, certificate) => a with { Certificate = certificate }))
        .Key("AuthFailures", (k, a) => AuthFailureKeys.Read(k, a));

    /// <param name="environmentToken">The admin token from WGSUPERVISOR_ADMIN_TOKEN, if set: it wins over Admin:TokenFile.</param>
    /// <param name="environmentReadToken">The read token from WGSUPERVISOR_ADMIN_READ_TOKEN, if set: it wins over Admin:ReadTokenFile.</param>
    /// <param name="clusterCertificate">The Cluster:Tls certificate, used by an https:// Url that names none of its own.</param>
    public static AdminSettings Read(SettingsReader reader, IConfiguration section, string? environmentToken,
        string? environmentReadToken = null, CertificateSource? clusterCertificate = null)
    {
        var admin = Keys.Read(reader, section, Name, AdminSettings.Default);
        admin = admin with
        {
            Token = TokenOf(reader, admin.TokenFile, environmentToken, AdminToken.EnvironmentVariable, "TokenFile", "admin token"),
            ReadToken = TokenOf(reader, admin.ReadTokenFile, environmentReadToken, ReadTokenVariable, "ReadTokenFile", "read token"),
        };
        if (!admin.Token.IsSet && !admin.IsLoopback)
            reader.Problem($"{Name}:Url", $"{admin.Url} is reachable from other hosts: refusing to start without an admin token " +
                                          $"(set {AdminToken.EnvironmentVariable} or Admin:TokenFile), or bind to 127.0.0.1");
        if (admin.Token.IsSet && admin.Token.SameAs(admin.ReadToken))
            reader.Problem(admin.ReadTokenFile is not null && environmentReadToken is null ? $"{Name}:ReadTokenFile" : ReadTokenVariable,
                "the read token must differ from the admin token (it may only read)");
        return CertificateOf(reader, admin, clusterCertificate);
    }

    /// <summary>An https:// URL needs a certificate: the Admin section's own, else the cluster's; a certificate without https is unused.</summary>
    private static AdminSettings CertificateOf(SettingsReader reader, AdminSettings admin, CertificateSource? clusterCertificate)
    {
        if (!admin.IsHttps)
        {
            if (admin.Certificate.IsSet)
                reader.Warn($"{Name}:CertificateFile/PfxFile is set but {Name}:Url is {admin.Url}: the certificate is used only with https://");
            return admin;
        }
        if (admin.Certificate.IsSet) return admin;
        if (clusterCertificate is { IsSet: true }) return admin with { Certificate = clusterCertificate };
        reader.Problem($"{Name}:CertificateFile", $"{admin.Url} is https: give Admin:CertificateFile and Admin:KeyFile (PEM) or Admin:PfxFile, " +
                                                  "or a Cluster:Tls certificate to share");
        return admin;
    }

    /// <summary>The token from the environment, else from the token file; never from the configuration file itself.</summary>
    private static AdminToken TokenOf(SettingsReader reader, string? tokenFile, string? environmentToken, string variable, string fileKey, string what)
    {
        var token = environmentToken;
        if (token is null && tokenFile is not null)
        {
            if (!File.Exists(tokenFile)) reader.Problem($"{Name}:{fileKey}", $"{tokenFile} does not exist");
            else token = File.ReadAllText(tokenFile).Trim();
        }
        if (token is null) return AdminToken.None;
        if (token.Length < MinimumTokenLength || token.Any(char.IsWhiteSpace))
        {
            reader.Problem(environmentToken is not null ? variable : $"{Name}:{fileKey}",
                $"the {what} must be at least {MinimumTokenLength} characters without spaces (e.g. openssl rand -hex 24)");
            return AdminToken.None;
        }
        return AdminToken.Of(token);
    }

    /// <summary>127.0.0.0/8, ::1 or localhost: only this host can connect. 0.0.0.0 and every other address count as reachable.</summary>
    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
