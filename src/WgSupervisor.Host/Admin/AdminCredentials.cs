using System.Net;
using System.Net.Sockets;
using System.Text;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Admin;

/// <summary>What the credentials of a request amount to.</summary>
public enum Credential
{
    /// <summary>No token presented (no Authorization header, or a scheme other than Bearer and Basic).</summary>
    None,
    /// <summary>A token was presented and matches neither token: a failed authentication.</summary>
    Wrong,
    /// <summary>The read-only token: GET and HEAD.</summary>
    Read,
    /// <summary>The admin token: everything.</summary>
    Admin,
}

/// <summary>
/// Reads the token a request presents: `Authorization: Bearer TOKEN` (wgsup, curl, Prometheus's authorization setting) or
/// `Authorization: Basic base64(any-user:TOKEN)` (a browser's own credential prompt, which then sends it with the dashboard's
/// fetch and EventSource calls too). The user name of Basic is ignored.
/// </summary>
public static class AdminCredentials
{
    public static Credential Identify(HttpRequest request, AdminToken adminToken, AdminToken readToken)
    {
        var presented = PresentedToken(request.Headers.Authorization.ToString());
        if (presented is null) return Credential.None;
        if (adminToken.Matches(presented)) return Credential.Admin;
        return readToken.Matches(presented) ? Credential.Read : Credential.Wrong;
    }

    /// <summary>The token in an Authorization header value; null when there is none; "" when it is malformed (it then matches nothing).</summary>
    public static string? PresentedToken(string header)
    {
        if (TryScheme(header, "Bearer", out var bearer)) return bearer;
        if (!TryScheme(header, "Basic", out var basic)) return null;
        try
        {
            var userAndPassword = Encoding.UTF8.GetString(Convert.FromBase64String(basic));
            var colon = userAndPassword.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? "" : userAndPassword[(colon + 1)..];
        }
        catch (FormatException)
        {
            return "";
        }
    }

    private static bool TryScheme(string header, string scheme, out string value)
    {
        value = "";
        if (header.Length <= scheme.Length || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header[scheme.Length] != ' ')
            return false;
        value = header[(scheme.Length + 1)..].Trim();
        return true;
    }

    /// <summary>Reading routes: the read token is enough for them.</summary>
    public static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);

    /// <summary>
    /// Who is asking, for counting failures: the connection's address (never a forwarded header, which the client writes itself).
    /// IPv6 clients count per /64, the block one host usually has; an IPv4 address mapped into IPv6 counts as the IPv4 address.
    /// </summary>
    public static string ClientPartition(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address)) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }

    /// <summary>The client address as logged.</summary>
    public static string ClientAddress(IPAddress? address) =>
        address is null ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
