using System.Text.RegularExpressions;

namespace WgSupervisor.Host.Configuration;

/// <summary>The shapes of names and addresses that several sections check.</summary>
public static partial class ConfigPatterns
{
    /// <summary>Node, tunnel, site, role and namespace names.</summary>
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    public static partial Regex Name();

    public const string NameRule = "use 1-64 letters, digits, '.', '_' or '-'";

    /// <summary>wg-quick's own rule for interface names.</summary>
    [GeneratedRegex("^[a-zA-Z0-9_=+.-]{1,15}$")]
    public static partial Regex Interface();

    /// <summary>host:port, the host a name, an IPv4 address or a bracketed IPv6 address.</summary>
    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253}):[0-9]{1,5}$")]
    public static partial Regex Endpoint();

    [GeneratedRegex("^[A-Za-z0-9@_.:-]{1,200}$")]
    public static partial Regex SystemdUnit();
}
