using System.Net;

namespace WgSupervisor.Host.Configuration;

/// <param name="Url">Where the admin endpoint listens (no path).</param>
/// <param name="TokenFile">A file holding the admin token; the token itself never sits in the configuration file.</param>
/// <param name="Token">The token from WGSUPERVISOR_ADMIN_TOKEN, else from <paramref name="TokenFile"/>.</param>
public sealed record AdminSettings(Uri Url, string? TokenFile, AdminToken Token)
{
    public const string DefaultUrl = "http://127.0.0.1:5080";
    public static AdminSettings Default => new(new Uri(DefaultUrl), null, AdminToken.None);
}

/// <summary>The Admin section: where the admin endpoint listens and the token that guards its mutating routes.</summary>
public static class AdminSection
{
    public const string Name = "Admin";
    private const int MinimumTokenLength = 16;

    private static readonly KeyTable<AdminSettings> Keys = new KeyTable<AdminSettings>()
        .Key("Url", (k, a) => a with { Url = k.Url(AdminSettings.DefaultUrl) })
        .Key("TokenFile", (k, a) => a with { TokenFile = k.Text });

    /// <param name="environmentToken">The admin token from WGSUPERVISOR_ADMIN_TOKEN, if set: it wins over Admin:TokenFile.</param>
    public static AdminSettings Read(SettingsReader reader, IConfiguration section, string? environmentToken)
    {
        var admin = Keys.Read(reader, section, Name, AdminSettings.Default);
        admin = admin with { Token = TokenOf(reader, admin.TokenFile, environmentToken) };
        if (!admin.Token.IsSet && !IsLoopback(admin.Url))
            reader.Problem($"{Name}:Url", $"{admin.Url} is reachable from other hosts: refusing to start without an admin token " +
                                          $"(set {AdminToken.EnvironmentVariable} or Admin:TokenFile), or bind to 127.0.0.1");
        return admin;
    }

    /// <summary>The token from the environment, else from the token file; never from the configuration file itself.</summary>
    private static AdminToken TokenOf(SettingsReader reader, string? tokenFile, string? environmentToken)
    {
        var token = environmentToken;
        if (token is null && tokenFile is not null)
        {
            if (!File.Exists(tokenFile)) reader.Problem($"{Name}:TokenFile", $"{tokenFile} does not exist");
            else token = File.ReadAllText(tokenFile).Trim();
        }
        if (token is null) return AdminToken.None;
        if (token.Length < MinimumTokenLength || token.Any(char.IsWhiteSpace))
        {
            reader.Problem(environmentToken is not null ? AdminToken.EnvironmentVariable : $"{Name}:TokenFile",
                $"the admin token must be at least {MinimumTokenLength} characters without spaces (e.g. openssl rand -hex 24)");
            return AdminToken.None;
        }
        return AdminToken.Of(token);
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
