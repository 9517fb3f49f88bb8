using System.Text.Json;
using System.Runtime.Serialization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Serialization;
using WgSupervisor.Domain;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Actors.Serialization;

/// <summary>
/// Serializes tunnel events and state snapshots as JSON under short, versioned manifests ("stale.v1"). The
/// field names are written here, not taken from CLR names, so renaming a type or property never breaks a
/// journal; a new shape of an event gets a new manifest and the old one stays readable.
/// </summary>
public sealed class TunnelEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7301;

    private const string Healthy = "healthy.v1";
    private const string Stale = "stale.v1";
    private const string RepairStartedManifest = "repair-started.v1";
    // v1 had no attempt number; v2 adds it. Both are read; v2 is written.
    private const string RepairFinishedV1 = "repair-finished.v1";
    private const string RepairFinishedManifest = "repair-finished.v2";
    private const string Backoff = "backoff.v1";
    private const string Gap = "gap.v1";
    private const string Retired = "retired.v1";
    private const string Paused = "paused.v1";
    private const string Resumed = "resumed.v1";
    private const string Quarantined = "quarantined.v1";
    private const string Released = "released.v1";
    private const string NameConflict = "name-conflict.v1";
    private const string BudgetFallback = "budget-fallback.v1";
    private const string TakenOver = "taken-over.v1";
    private const string HandedOver = "handed-over.v1";
    private const string Held = "held.v1";
    private const string State = "state.v1";

    public static readonly Type[] BoundTypes = [typeof(ITunnelEvent), typeof(TunnelState)];

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        TunnelBecameHealthy => Healthy,
        TunnelWentStale => Stale,
        RepairStarted => RepairStartedManifest,
        RepairFinished => RepairFinishedManifest,
        BackoffStarted => Backoff,
        HistoryGap => Gap,
        TunnelRetired => Retired,
        TunnelPaused => Paused,
        TunnelResumed => Resumed,
        TunnelQuarantined => Quarantined,
        TunnelReleased => Released,
        TunnelNameConflict => NameConflict,
        BudgetUnavailable => BudgetFallback,
        TunnelTakenOver => TakenOver,
        TunnelHandedOver => HandedOver,
        RepairHeld => Held,
        TunnelState => State,
        _ => throw new ArgumentException($"{o.GetType().Name} has no manifest in {nameof(TunnelEventSerializer)}"),
    };

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(ToJson(obj));

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var json = JsonNode.Parse(bytes)?.AsObject() ?? throw new SerializationException($"empty payload for manifest {manifest}");
        return FromJson(json, manifest);
    }

    public static JsonObject ToJson(object obj) => obj switch
    {
        TunnelBecameHealthy e => new JsonObject { ["at"] = e.At, ["reason"] = e.Reason },
        TunnelWentStale e => new JsonObject
        {
            ["at"] = e.At, ["reason"] = e.Reason.ToString(), ["detail"] = e.Detail, ["requestedBy"] = e.By,
        },
        RepairStarted e => new JsonObject
        {
            ["at"] = e.At, ["rung"] = e.Rung.ToWireName(), ["attempt"] = e.Attempt, ["requestedBy"] = e.By,
            // Added without a new manifest: absent in older histories, read as null.
            ["cause"] = e.Cause?.ToWireName(), ["diagnosis"] = e.Diagnosis,
        },
        RepairHeld e => new JsonObject { ["at"] = e.At, ["cause"] = e.Cause.ToWireName(), ["diagnosis"] = e.Diagnosis },
        RepairFinished e => new JsonObject
        {
            ["at"] = e.At, ["rung"] = e.Rung.ToWireName(), ["outcome"] = e.Outcome.ToString(),
            ["durationMs"] = (long)e.Duration.TotalMilliseconds, ["detail"] = e.Detail, ["attempt"] = e.Attempt,
        },
        BackoffStarted e => new JsonObject { ["at"] = e.At, ["until"] = e.Until, ["failedAttempts"] = e.FailedAttempts },
        HistoryGap e => new JsonObject { ["at"] = e.At, ["droppedEvents"] = e.DroppedEvents, ["since"] = e.Since },
        TunnelRetired e => new JsonObject { ["at"] = e.At, ["reason"] = e.Reason },
        TunnelPaused e => new JsonObject { ["at"] = e.At, ["by"] = e.By, ["reason"] = e.Reason },
        TunnelResumed e => new JsonObject { ["at"] = e.At, ["by"] = e.By },
        TunnelQuarantined e => new JsonObject { ["at"] = e.At, ["until"] = e.Until, ["reason"] = e.Reason },
        TunnelReleased e => new JsonObject { ["at"] = e.At, ["by"] = e.By, ["reason"] = e.Reason, ["resetBudget"] = e.ResetBudget },
        TunnelNameConflict e => new JsonObject { ["at"] = e.At, ["otherNode"] = e.OtherNode },
        BudgetUnavailable e => new JsonObject { ["at"] = e.At, ["reason"] = e.Reason },
        TunnelTakenOver e => new JsonObject { ["at"] = e.At, ["from"] = e.From, ["reason"] = e.Reason },
        TunnelHandedOver e => new JsonObject { ["at"] = e.At, ["to"] = e.To, ["reason"] = e.Reason },
        TunnelState s => StateToJson(s),
        _ => throw new ArgumentException($"{obj.GetType().Name} cannot be serialized by {nameof(TunnelEventSerializer)}"),
    };

    public static object FromJson(JsonObject json, string manifest) => manifest switch
    {
        Healthy => new TunnelBecameHealthy(Time(json, "at"), Text(json, "reason")),
        Stale => new TunnelWentStale(Time(json, "at"), Enum<StaleReason>(json, "reason"), Text(json, "detail"), OptionalText(json, "requestedBy")),
        RepairStartedManifest => new RepairStarted(Time(json, "at"), Rung(json, "rung"), Int(json, "attempt"), Text(json, "requestedBy"),
            OptionalCause(json, "cause"), OptionalText(json, "diagnosis")),
        Held => new RepairHeld(Time(json, "at"), OptionalCause(json, "cause") ?? throw new SerializationException("held.v1 without a cause"),
            Text(json, "diagnosis")),
        RepairFinishedV1 => new RepairFinished(Time(json, "at"), Rung(json, "rung"), Enum<RepairOutcome>(json, "outcome"),
            TimeSpan.FromMilliseconds(Long(json, "durationMs")), Text(json, "detail")),
        RepairFinishedManifest => new RepairFinished(Time(json, "at"), Rung(json, "rung"), Enum<RepairOutcome>(json, "outcome"),
            TimeSpan.FromMilliseconds(Long(json, "durationMs")), Text(json, "detail"), Int(json, "attempt")),
        Backoff => new BackoffStarted(Time(json, "at"), Time(json, "until"), Int(json, "failedAttempts")),
        Gap => new HistoryGap(Time(json, "at"), Long(json, "droppedEvents"), Time(json, "since")),
        Retired => new TunnelRetired(Time(json, "at"), Text(json, "reason")),
        Paused => new TunnelPaused(Time(json, "at"), Text(json, "by"), OptionalText(json, "reason")),
        Resumed => new TunnelResumed(Time(json, "at"), Text(json, "by")),
        Quarantined => new TunnelQuarantined(Time(json, "at"), OptionalTime(json, "until"), Text(json, "reason")),
        Released => new TunnelReleased(Time(json, "at"), Text(json, "by"), Text(json, "reason"), Field(json, "resetBudget").GetValue<bool>()),
        NameConflict => new TunnelNameConflict(Time(json, "at"), Text(json, "otherNode")),
        BudgetFallback => new BudgetUnavailable(Time(json, "at"), Text(json, "reason")),
        TakenOver => new TunnelTakenOver(Time(json, "at"), Text(json, "from"), Text(json, "reason")),
        HandedOver => new TunnelHandedOver(Time(json, "at"), Text(json, "to"), Text(json, "reason")),
        State => StateFromJson(json),
        _ => throw new SerializationException($"unknown manifest {manifest} for {nameof(TunnelEventSerializer)}"),
    };

    private static JsonObject StateToJson(TunnelState s) => new()
    {
        ["phase"] = s.Phase.ToString(),
        ["phaseSince"] = s.PhaseSince,
        ["reason"] = s.Reason,
        ["staleReason"] = s.StaleReason?.ToString(),
        ["episodeStartedAt"] = s.EpisodeStartedAt,
        ["episodeReason"] = s.EpisodeReason?.ToString(),
        ["failedAttempts"] = s.FailedAttempts,
        ["currentRepair"] = s.CurrentRepair is { } r
            ? new JsonObject { ["rung"] = r.Rung.ToWireName(), ["attempt"] = r.Attempt, ["startedAt"] = r.StartedAt, ["requestedBy"] = r.By }
            : null,
        ["lastRepair"] = s.LastRepair is { } l
            ? new JsonObject
            {
                ["rung"] = l.Rung.ToWireName(), ["outcome"] = l.Outcome.ToString(), ["at"] = l.At,
                ["durationMs"] = (long)l.Duration.TotalMilliseconds, ["detail"] = l.Detail,
            }
            : null,
        ["backoffUntil"] = s.BackoffUntil,
        ["repairCount"] = s.RepairCount,
        ["requestedBy"] = s.By,
        // Added to state.v1 without a new version: optional, absent in older snapshots.
        ["recentRepairs"] = new JsonArray(s.RecentRepairs.Select(at => (JsonNode?)JsonValue.Create(at)).ToArray()),
        ["quarantinedUntil"] = s.QuarantinedUntil,
    };

    private static TunnelState StateFromJson(JsonObject json) => new()
    {
        Phase = Enum<TunnelPhase>(json, "phase"),
        PhaseSince = OptionalTime(json, "phaseSince"),
        Reason = OptionalText(json, "reason"),
        StaleReason = json["staleReason"] is null ? null : Enum<StaleReason>(json, "staleReason"),
        EpisodeStartedAt = OptionalTime(json, "episodeStartedAt"),
        EpisodeReason = json["episodeReason"] is null ? null : Enum<StaleReason>(json, "episodeReason"),
        FailedAttempts = Int(json, "failedAttempts"),
        CurrentRepair = json["currentRepair"] is JsonObject r
            ? new RepairInFlight(Rung(r, "rung"), Int(r, "attempt"), Time(r, "startedAt"), Text(r, "requestedBy"))
            : null,
        LastRepair = json["lastRepair"] is JsonObject l
            ? new RepairSummary(Rung(l, "rung"), Enum<RepairOutcome>(l, "outcome"), Time(l, "at"), TimeSpan.FromMilliseconds(Long(l, "durationMs")),
                Text(l, "detail"))
            : null,
        BackoffUntil = OptionalTime(json, "backoffUntil"),
        RepairCount = Int(json, "repairCount"),
        By = OptionalText(json, "requestedBy"),
        RecentRepairs = json["recentRepairs"] is JsonArray recent
            ? new ValueList<DateTimeOffset>(recent.Select(n => n!.GetValue<DateTimeOffset>()))
            : ValueList<DateTimeOffset>.Empty,
        QuarantinedUntil = OptionalTime(json, "quarantinedUntil"),
    };

    private static JsonNode Field(JsonObject json, string name) =>
        json[name] ?? throw new SerializationException($"field '{name}' is missing");

    private static string Text(JsonObject json, string name) => Field(json, name).GetValue<string>();
    private static string? OptionalText(JsonObject json, string name) => json[name]?.GetValue<string>();
    private static int Int(JsonObject json, string name) => Field(json, name).GetValue<int>();
    private static long Long(JsonObject json, string name) => Field(json, name).GetValue<long>();
    private static DateTimeOffset Time(JsonObject json, string name) => Field(json, name).GetValue<DateTimeOffset>();
    private static DateTimeOffset? OptionalTime(JsonObject json, string name) => json[name]?.GetValue<DateTimeOffset>();

    /// <summary>By name only: a number would silently mean whatever member has that position today.</summary>
    private static T Enum<T>(JsonObject json, string name) where T : struct, System.Enum
    {
        var text = Text(json, name);
        return System.Enum.GetNames<T>().Contains(text, StringComparer.Ordinal)
            ? System.Enum.Parse<T>(text)
            : throw new SerializationException($"field '{name}' has an unknown value for {typeof(T).Name}");
    }

    private static RepairRung Rung(JsonObject json, string name) =>
        RepairRungs.TryParse(Text(json, name), out var rung) ? rung : throw new SerializationException($"field '{name}' names no rung");

    private static Cause? OptionalCause(JsonObject json, string name) => OptionalText(json, name) is not { } text ? null
        : CauseNames.TryParse(text, out var cause) ? cause : throw new SerializationException($"field '{name}' names no cause");
}
