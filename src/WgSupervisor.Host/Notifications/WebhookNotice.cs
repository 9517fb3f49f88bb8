using System.Text.Json.Serialization;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;

namespace WgSupervisor.Host.Notifications;

/// <summary>The JSON body of a webhook call. <see cref="Id"/> is the same on every retry, for the receiver to drop duplicates.</summary>
public sealed record WebhookNotice(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("tunnel")] string Tunnel,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("interface")] string Interface,
    [property: JsonPropertyName("peerPublicKey")] string PeerPublicKey,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("detail")] string Detail)
{
    /// <summary>What a recorded event means to a webhook, or null if it is not one of the notified transitions.</summary>
    public static WebhookNotice? From(TunnelProtocol.EventRecorded recorded)
    {
        var (kind, detail) = recorded.Event switch
        {
            TunnelWentStale s when s.Reason is not (StaleReason.BackoffElapsed or StaleReason.OperatorRequest) => ("stale", $"{s.Reason}: {s.Detail}"),
            TunnelBecameHealthy h when recorded.PhaseBefore is not (TunnelPhase.Unknown or TunnelPhase.Healthy) => ("recovered", h.Reason),
            RepairFinished { Outcome: not RepairOutcome.Succeeded } f =>
                ("repair-failed", $"{f.Rung.ToWireName()} {TunnelResource.OutcomeName(f.Outcome)}: {f.Detail}"),
            TunnelQuarantined q => ("quarantined", q.Reason),
            TunnelPaused p => ("paused", p.Reason is null ? $"by {p.By}" : $"by {p.By}: {p.Reason}"),
            TunnelResumed r => ("resumed", $"by {r.By}"),
            RepairHeld h => ("held", $"{h.Cause.ToWireName()}: {h.Diagnosis}"),
            _ => (null, ""),
        };
        if (kind is null) return null;
        var e = recorded.Event;
        return new WebhookNotice($"{recorded.Node}:{recorded.Tunnel}:{kind}:{e.At.UtcTicks}", kind, recorded.Tunnel, recorded.Node, recorded.Site,
            recorded.Interface, recorded.PeerPublicKey, e.At, detail);
    }
}
