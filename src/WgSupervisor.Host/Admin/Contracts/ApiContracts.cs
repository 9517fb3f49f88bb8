using System.Text.Json;
using System.Text.Json.Serialization;

namespace WgSupervisor.Host.Admin.Contracts;

// The admin API's answers that used to be anonymous objects, named so that the OpenAPI document can describe them
// (and a client generator give them names). Their JSON is what the anonymous objects gave: same names, same order.

/// <summary>One observation of a tunnel, for charts (GET /api/tunnels/{name}/samples).</summary>
public sealed record TunnelSampleResource(DateTimeOffset At, double? HandshakeAgeSeconds, long RxBytes, long TxBytes, string State);

/// <summary>A member of the cluster (GET /api/nodes); outside a cluster, this node alone.</summary>
public sealed record NodeResource(
    string Name,
    string? Address,
    string Status,
    IReadOnlyList<string> Roles,
    int Tunnels,
    DateTimeOffset? LastHeard,
    double? InformationAgeSeconds,
    DateTimeOffset? CertificateExpiresAt);

/// <summary>202 for a tunnel command: the tunnel took it (the change shows in the tunnel's state and history).</summary>
public sealed record TunnelCommandAccepted(string Tunnel, string Detail);

/// <summary>202 for a site command: the tunnels of the site it reached, on every node.</summary>
public sealed record SiteCommandAccepted(string Site, IReadOnlyList<string> Tunnels);

/// <summary>
/// One event of a tunnel's history, as /api/tunnels/{name}/events and /api/events give it: the sequence number, the type and
/// the time, then the event's own fields (which differ by type). /api/events adds offset, node and tunnel.
/// Describes the JSON only: the handlers write the journal's events as they are.
/// </summary>
public sealed record TunnelEventResource(long Seq, string Type, DateTimeOffset At)
{
    /// <summary>The event's own fields (reason, rung, outcome, ... by type).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Fields { get; init; }
}

/// <summary>A page of the fleet's history (GET /api/events): the next page starts after <see cref="Next"/> (null on the last page).</summary>
public sealed record EventPageResource(IReadOnlyList<TunnelEventResource> Events, long? Next);
