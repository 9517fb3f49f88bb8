using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace WgSupervisor.Cli;

/// <summary>A command-line mistake found after parsing (a bad URL, an unreadable token file): exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Where the admin API is and how to talk to it, from the global options with the environment as fallback.
/// The token is held here and sent as a header (on every request: off loopback the supervisor wants it for reads too);
/// it is never part of a message.
/// </summary>
public sealed partial record ClientSettings(Uri BaseUrl, string? Token, string? Operator, TimeSpan Timeout)
{
    public const string UrlVariable = "WGSUPERVISOR_URL";
    public const string TokenVariable = "WGSUPERVISOR_ADMIN_TOKEN";
    public const string CaFileVariable = "WGSUPERVISOR_CA_FILE";

    /// <summary>The spelling of the issue that asked for --ca-file; read too, after <see cref="CaFileVariable"/>.</summary>
    public const string CaFileVariableShort = "WGSUP_CA_FILE";
    public const string DefaultUrl = "http://127.0.0.1:5080";
    public const double DefaultTimeoutSeconds = 10;
    public const double MaximumTimeoutSeconds = 3600;

    /// <summary>The same rule the API applies to X-Operator; a name it would drop silently is refused here instead.</summary>
    [GeneratedRegex("^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex OperatorPattern();

    /// <summary>
    /// The certificate authorities that alone are trusted for an https:// URL (from --ca-file): a private CA. Null trusts the
    /// system's roots, as any client would. The host name is checked either way.
    /// </summary>
    public X509Certificate2Collection? TrustedAuthorities { get; init; }

    public static ClientSettings Resolve(string? url, string? token, string? tokenFile, string? operatorName, double? timeoutSeconds,
        Func<string, string?> environment, string? caFile = null)
    {
        var (urlText, urlSource) = url is not null ? (url, "--url")
            : environment(UrlVariable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, UrlVariable)
            : (DefaultUrl, "the default URL");
        var baseUrl = ParseUrl(urlText, urlSource);
        if (token is not null && tokenFile is not null) throw new UsageException("give the token either with --token or with --token-file, not both");
        var resolvedToken = token is not null ? CheckToken(token, "--token")
            : tokenFile is not null ? ReadTokenFile(tokenFile)
            : environment(TokenVariable) is { Length: > 0 } fromVariable ? CheckToken(fromVariable, TokenVariable)
            : null;
        if (operatorName is not null && !OperatorPattern().IsMatch(operatorName))
            throw new UsageException($"--operator '{operatorName}' must be 1-64 letters, digits, '.', '_', '-' or '@'");
        var seconds = timeoutSeconds ?? DefaultTimeoutSeconds;
        if (!(seconds > 0 && seconds <= MaximumTimeoutSeconds))
            throw new UsageException($"--timeout must be more than 0 and at most {MaximumTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} seconds");
        var (caPath, caSource) = caFile is not null ? (caFile, "--ca-file")
            : environment(CaFileVariable) is { Length: > 0 } fromCaVariable ? (fromCaVariable, CaFileVariable)
            : environment(CaFileVariableShort) is { Length: > 0 } fromShortVariable ? (fromShortVariable, CaFileVariableShort)
            : (null, null);
        return new ClientSettings(baseUrl, resolvedToken, operatorName, TimeSpan.FromSeconds(seconds))
        {
            TrustedAuthorities = caPath is null ? null : ReadCaFile(caPath, caSource!),
        };
    }

    /// <summary>A PEM bundle of CA certificates; a file that holds none is a usage error, not a later TLS failure.</summary>
    private static X509Certificate2Collection ReadCaFile(string path, string source)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"{source}: cannot read the CA certificates in '{path}': {e.Message}");
        }
        if (authorities.Count == 0) throw new UsageException($"{source}: '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return authorities;
    }

    /// <summary>Never shows the token, whatever prints a settings object.</summary>
    public override string ToString() => $"{BaseUrl} (token {(Token is null ? "none" : "set")}, operator {Operator ?? "none"}, " +
                                         $"timeout {Timeout.TotalSeconds} s{(TrustedAuthorities is null ? "" : $", {TrustedAuthorities.Count} trusted CA(s)")})";

    private static Uri ParseUrl(string text, string source)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new UsageException($"{source}: '{text}' is not an http:// or https:// URL (e.g. {DefaultUrl})");
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            throw new UsageException($"{source}: give the admin endpoint's base URL only, without user, query or fragment (e.g. {DefaultUrl})");
        // A trailing slash, so that "api/..." resolves below a path prefix (http://proxy/wg/ + api/tunnels).
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
    }

    private static string ReadTokenFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"--token-file: cannot read '{path}': {e.Message}");
        }
        var token = text.Trim();
        if (token.Length == 0) throw new UsageException($"--token-file: '{path}' is empty");
        return CheckToken(token, $"--token-file '{path}'");
    }

    /// <summary>A token that cannot go into a header is refused before any request, naming where it came from but not what it is.</summary>
    private static string CheckToken(string token, string source)
    {
        var trimmed = token.Trim();
        if (trimmed.Length == 0) throw new UsageException($"{source}: the token is empty");
        if (trimmed.Any(c => char.IsControl(c) || c > '\u007e'))
            throw new UsageException($"{source}: the token holds control or non-ASCII characters; it cannot be sent as a header");
        return trimmed;
    }
}
