using System.Globalization;
using System.Text.RegularExpressions;

namespace WgSupervisor.Cli;

/// <summary>A command-line mistake found after parsing (a bad URL, an unreadable token file): exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Where the admin API is and how to talk to it, from the global options with the environment as fallback.
/// The token is held here and sent as a header; it is never part of a message.
/// </summary>
public sealed partial record ClientSettings(Uri BaseUrl, string? Token, string? Operator, TimeSpan Timeout)
{
    public const string UrlVariable = "WGSUPERVISOR_URL";
    public const string TokenVariable = "WGSUPERVISOR_ADMIN_TOKEN";
    public const string DefaultUrl = "http://127.0.0.1:5080";
    public const double DefaultTimeoutSeconds = 10;
    public const double MaximumTimeoutSeconds = 3600;

    /// <summary>The same rule the API applies to X-Operator; a name it would drop silently is refused here instead.</summary>
    [GeneratedRegex("^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex OperatorPattern();

    public static ClientSettings Resolve(string? url, string? token, string? tokenFile, string? operatorName, double? timeoutSeconds,
        Func<string, string?> environment)
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
        return new ClientSettings(baseUrl, resolvedToken, operatorName, TimeSpan.FromSeconds(seconds));
    }

    /// <summary>Never shows the token, whatever prints a settings object.</summary>
    public override string ToString() => $"{BaseUrl} (token {(Token is null ? "none" : "set")}, operator {Operator ?? "none"}, timeout {Timeout.TotalSeconds} s)";

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
