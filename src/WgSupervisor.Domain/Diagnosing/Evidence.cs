using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Domain.Diagnosing;

/// <summary>Most tunnels of one group (an uplink, the node, a site) went stale together: likely one cause for all.</summary>
/// <param name="Group">What they share, as shown ("node gw1", "uplink isp-a", "site berlin").</param>
public sealed record SharedCause(string Group, int Stale, int Members)
{
    public string Describe() => $"underlay down for {Stale} of {Members} tunnels of {Group}";
}

/// <summary>What is known about a stale tunnel when it is diagnosed. Gathered by its actor; judged by <see cref="Diagnostician"/>.</summary>
public sealed record Evidence
{
    public required string Interface { get; init; }
    public required bool InterfacePresent { get; init; }
    public required bool PeerPresent { get; init; }

    /// <summary>Where WireGuard sends to now (address:port), as observed.</summary>
    public string? CurrentEndpoint { get; init; }

    /// <summary>What the configured endpoint name resolves to now, in the tunnel's namespace.</summary>
    public EndpointResolution Resolution { get; init; } = EndpointResolution.NotApplicable;

    /// <summary>Whether the endpoint's address answered pings outside the tunnel: null when not pinged.</summary>
    public bool? UnderlayAnswers { get; init; }

    /// <summary>The address pinged.</summary>
    public string? UnderlayTarget { get; init; }

    /// <summary>
    /// The operator configured the underlay probe: its silence alone means the underlay is down. Otherwise the endpoint
    /// was pinged only to test a shared cause, and silence proves nothing (many sites drop pings); an answer does.
    /// </summary>
    public bool UnderlayProbeConfigured { get; init; }

    /// <summary>The fleet's view: most tunnels of a group this tunnel belongs to went stale together.</summary>
    public SharedCause? SharedCause { get; init; }

    public DateTimeOffset? LatestHandshake { get; init; }

    /// <summary>Why the tunnel was judged stale, in words (the symptom, not the cause).</summary>
    public required string Symptom { get; init; }

    /// <summary>The last repair of this episode when it failed (null: none yet in this episode).</summary>
    public RepairSummary? FailedRepair { get; init; }

    public required IReadOnlyList<RepairRung> Ladder { get; init; }

    /// <summary>The rung the ladder's position gives (the rule before diagnosis), when no cause-specific rung is in the ladder.</summary>
    public required RepairRung LadderPositionRung { get; init; }
}
