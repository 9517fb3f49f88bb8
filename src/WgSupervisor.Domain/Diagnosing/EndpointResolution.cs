using System.Net;
using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Domain.Diagnosing;

/// <summary>
/// What a tunnel's configured endpoint name resolves to now, looked up inside the tunnel's network namespace
/// (so /etc/netns/NS/hosts counts, as it does for `ip netns exec`).
/// </summary>
/// <param name="Configured">The endpoint as configured (host:port); null: none configured, nothing to resolve.</param>
/// <param name="Addresses">The addresses the host name gives now (empty: none, or the endpoint is an address).</param>
/// <param name="Error">Why the name did not resolve (null: it did, or there was nothing to resolve).</param>
public sealed record EndpointResolution(string? Configured, IReadOnlyList<string> Addresses, string? Error)
{
    public static readonly EndpointResolution NotApplicable = new(null, [], null);

    public static EndpointResolution Resolved(string configured, IReadOnlyList<string> addresses) => new(configured, addresses, null);

    public static EndpointResolution Failed(string configured, string error) => new(configured, [], error);

    /// <summary>The configured endpoint names a host (not an address), and it resolved.</summary>
    public bool HasAnswer => Addresses.Count > 0 && Error is null;

    /// <summary>Whether an endpoint as WireGuard shows it (address:port or [v6]:port) is one of the resolved addresses.</summary>
    public bool Includes(string? endpoint)
    {
        var host = RepairLadder.HostOf(endpoint);
        if (host is null || !IPAddress.TryParse(host, out var current)) return false;
        return Addresses.Any(a => IPAddress.TryParse(a, out var resolved) && resolved.Equals(current));
    }
}
