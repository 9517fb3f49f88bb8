using System.Text.Json;

namespace WgSupervisor.Cli.Api;

// The client's own view of the admin API's JSON (camelCase). Fields it does not know are ignored and fields the
// server leaves out stay null, so that an older or newer supervisor still reads; --json shows the answer unchanged.

/// <summary>A tunnel as GET /api/tunnels and /api/tunnels/{name} show it (and as /api/stream sends it).</summary>
public sealed record TunnelView(
    string Name,
    string? Node,
    string? Namespace,
    string? Interface,
    string? PeerPublicKey,
    string? Site,
    string? State,
    string? Reason,
    DateTimeOffset? StateSince,
    double? HandshakeAgeSeconds,
    DateTimeOffset? LatestHandshake,
    long? RxBytes,
    long? TxBytes,
    string? Endpoint,
    bool? InterfacePresent,
    DateTimeOffset? ObservedAt,
    int? RestartCount,
    RepairView? CurrentRepair,
    RepairView? LastRepair,
    DateTimeOffset? BackoffUntil,
    double? BackoffRemainingSeconds,
    string? Verdict,
    JsonElement? Probe,
    IReadOnlyList<string>? Warnings,
    DateTimeOffset? QuarantinedUntil,
    string? Cause = null,
    string? Diagnosis = null,
    DateTimeOffset? EpisodeStartedAt = null);

/// <summary>A repair: in flight (rung and start only) or finished (outcome, duration, detail).</summary>
public sealed record RepairView(string? Rung, string? Outcome, DateTimeOffset? At, double? DurationSeconds, string? Detail);

/// <summary>202 answer of a tunnel command.</summary>
public sealed record TunnelCommandAccepted(string? Tunnel, string? Detail);

/// <summary>202 answer of a site command: the tunnels it reached.</summary>
public sealed record SiteCommandAccepted(string? Site, IReadOnlyList<string>? Tunnels);
