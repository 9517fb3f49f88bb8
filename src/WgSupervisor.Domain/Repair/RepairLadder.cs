using System.Net;

namespace WgSupervisor.Domain.Repair;

/// <summary>
/// Which rungs of a ladder can act for one tunnel. The one place of this rule: the configuration applies it
/// to the default ladder of a configured tunnel, the fleet to the ladder of a discovered one.
/// </summary>
public static class RepairLadder
{
    /// <summary>Cheapest first. A ladder given in the configuration replaces this one whole.</summary>
    public static readonly IReadOnlyList<RepairRung> Default = [RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface];

    /// <summary>
    /// Re-resolving needs a host name to resolve; with no endpoint, or with an address, it cannot help and would
    /// only cost a verify cycle, so it is dropped (unless it is the only rung: an empty ladder cannot repair).
    /// </summary>
    /// <param name="ladder">The ladder to climb, cheapest first.</param>
    /// <param name="endpoint">The peer's endpoint as host:port (EndpointHost, else the conf's Endpoint); null: none.</param>
    public static IReadOnlyList<RepairRung> ApplicableTo(IReadOnlyList<RepairRung> ladder, string? endpoint)
    {
        if (!ladder.Contains(RepairRung.ReresolveEndpoint) || ladder.Count == 1 || HasHostName(endpoint)) return ladder;
        return ladder.Where(rung => rung != RepairRung.ReresolveEndpoint).ToList();
    }

    /// <summary>Whether host:port (or [v6]:port) names its host rather than giving an address.</summary>
    public static bool HasHostName(string? endpoint) => HostOf(endpoint) is { } host && !IPAddress.TryParse(host, out _);

    /// <summary>The host part of host:port or [address]:port; null without a port separator.</summary>
    public static string? HostOf(string? endpoint)
    {
        var colon = endpoint?.LastIndexOf(':') ?? -1;
        return colon > 0 ? endpoint![..colon].Trim('[', ']') : null;
    }
}
