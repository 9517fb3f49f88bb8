using WgSupervisor.Domain;
using System.Runtime.Serialization;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Serialization;
using WgSupervisor.Actors.Serialization;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// The journal's wire format: every event and the state snapshot round-trip, through the actor system's
/// serialization and through the serializer itself; manifests are short and versioned; and rows written in
/// the v1 format (fixed JSON below) still read, so a change that breaks an existing journal fails here.
/// </summary>
public sealed class TunnelEventSerializerSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1)).AddTicks(1_234_567);
    private static readonly DateTimeOffset Later = At.AddSeconds(42);

    private readonly TunnelEventSerializer _serializer;

    public TunnelEventSerializerSpecs(ITestOutputHelper output) : base(SpecConfig.Config, nameof(TunnelEventSerializerSpecs), output)
    {
        _serializer = new TunnelEventSerializer((ExtendedActorSystem)Sys);
    }

    public static TheoryData<string, object> Payloads => new()
    {
        { "healthy.v1", new TunnelBecameHealthy(At, "handshake 5 s old") },
        { "stale.v1", new TunnelWentStale(At, StaleReason.HandshakeTooOld, "handshake 200 s old (threshold 180 s)") },
        { "stale.v1", new TunnelWentStale(At, StaleReason.OperatorRequest, "restart requested by operator:alice", "operator:alice") },
        { "repair-started.v1", new RepairStarted(At, RepairRung.ResetPeer, 2, "supervisor") },
        { "repair-started.v1", new RepairStarted(At, RepairRung.ReresolveEndpoint, 1, "supervisor", Cause.EndpointMoved, "endpoint moved to 10.250.1.3") },
        { "held.v1", new RepairHeld(At, Cause.UnderlayDown, "underlay down for 4 of 4 tunnels of node gw1") },
        { "repair-finished.v2", new RepairFinished(At, RepairRung.RestartInterface, RepairOutcome.VerifyTimedOut, TimeSpan.FromSeconds(20), "no fresh handshake", 3) },
        { "backoff.v1", new BackoffStarted(At, Later, 3) },
        { "gap.v1", new HistoryGap(Later, 42, At) },
        { "retired.v1", new TunnelRetired(At, "its peer was removed from the interface") },
        { "paused.v1", new TunnelPaused(At, "alice via admin API", "line maintenance") },
        { "paused.v1", new TunnelPaused(At, "operator via admin API", null) },
        { "resumed.v1", new TunnelResumed(Later, "alice via admin API") },
        { "quarantined.v1", new TunnelQuarantined(At, Later, "6 repairs within 900 s (limit 6)") },
        { "quarantined.v1", new TunnelQuarantined(At, null, "6 repairs within 900 s (limit 6)") },
        { "released.v1", new TunnelReleased(Later, "supervisor", "the quarantine window passed", false) },
        { "released.v1", new TunnelReleased(Later, "bob via admin API", "released by an operator", true) },
        { "name-conflict.v1", new TunnelNameConflict(At, "gateway-2") },
        { "budget-fallback.v1", new BudgetUnavailable(At, "the cluster restart budget did not answer") },
        { "taken-over.v1", new TunnelTakenOver(At, "gateway-1", "node gateway-1 was downed") },
        { "handed-over.v1", new TunnelHandedOver(Later, "gateway-1", "moved by alice via admin API") },
        { "state.v1", TunnelState.Initial },
        { "state.v1", FullState },
    };

    public static TheoryData<object> EveryEnumValue()
    {
        var data = new TheoryData<object>();
        foreach (var reason in Enum.GetValues<StaleReason>()) data.Add(new TunnelWentStale(At, reason, $"because {reason}"));
        foreach (var rung in Enum.GetValues<RepairRung>()) data.Add(new RepairStarted(At, rung, 1, "supervisor"));
        foreach (var outcome in Enum.GetValues<RepairOutcome>()) data.Add(new RepairFinished(At, RepairRung.Command, outcome, TimeSpan.FromMilliseconds(1500), "x"));
        foreach (var cause in Enum.GetValues<Cause>()) data.Add(new RepairHeld(At, cause, $"because {cause}"));
        foreach (var phase in Enum.GetValues<TunnelPhase>()) data.Add(TunnelState.Initial with { Phase = phase });
        return data;
    }

    private static TunnelState FullState => new()
    {
        Phase = TunnelPhase.Restarting,
        PhaseSince = Later,
        Reason = "restart-interface attempt 3",
        StaleReason = StaleReason.BackoffElapsed,
        EpisodeStartedAt = At,
        EpisodeReason = StaleReason.PeerMissing,
        FailedAttempts = 2,
        CurrentRepair = new RepairInFlight(RepairRung.RestartInterface, 3, Later, "operator:alice"),
        LastRepair = new RepairSummary(RepairRung.ResetPeer, RepairOutcome.ActionFailed, At, TimeSpan.FromMilliseconds(2_345), "wg set failed"),
        BackoffUntil = Later.AddSeconds(40),
        RepairCount = 7,
        By = "operator:alice",
        RecentRepairs = new ValueList<DateTimeOffset>([At, Later]),
        QuarantinedUntil = Later.AddMinutes(15),
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Round_trips_through_the_actor_systems_serialization(string manifest, object payload)
    {
        var serializer = Sys.Serialization.FindSerializerFor(payload);

        Assert.IsType<TunnelEventSerializer>(serializer);
        Assert.Equal(TunnelEventSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, payload));
        var bytes = serializer.ToBinary(payload);
        Assert.Equal(payload, Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest));
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Round_trips_through_the_serializer_itself(string manifest, object payload)
    {
        Assert.Equal(manifest, _serializer.Manifest(payload));
        Assert.Equal(payload, _serializer.FromBinary(_serializer.ToBinary(payload), manifest));
    }

    [Theory]
    [MemberData(nameof(EveryEnumValue))]
    public void Every_reason_rung_outcome_and_phase_round_trips(object payload) =>
        Assert.Equal(payload, _serializer.FromBinary(_serializer.ToBinary(payload), _serializer.Manifest(payload)));

    [Fact]
    public void Every_tunnel_event_type_has_a_manifest()
    {
        var eventTypes = typeof(ITunnelEvent).Assembly.GetTypes()
            .Where(t => typeof(ITunnelEvent).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }).ToList();

        Assert.NotEmpty(eventTypes);
        var covered = Payloads.Select(row => row[1].GetType()).ToHashSet();
        Assert.All(eventTypes, t => Assert.Contains(t, covered));
        Assert.All(eventTypes, t => Assert.IsType<TunnelEventSerializer>(Sys.Serialization.FindSerializerForType(t)));
    }

    [Fact]
    public void Manifests_are_short_versioned_and_free_of_type_names()
    {
        var manifests = Payloads.Select(row => _serializer.Manifest(row[1])).Distinct().ToList();

        Assert.Equal(manifests.Count, Payloads.Select(row => row[1].GetType()).Distinct().Count());
        Assert.All(manifests, m =>
        {
            Assert.Matches(@"^[a-z][a-z-]*\.v[0-9]+$", m);
            // Only repair-finished has a second version so far (v2 added the attempt number).
            Assert.EndsWith(m.StartsWith("repair-finished", StringComparison.Ordinal) ? ".v2" : ".v1", m);
            Assert.InRange(m.Length, 1, 24);
        });
    }

    [Fact]
    public void Times_keep_their_ticks_and_offset_and_durations_their_milliseconds()
    {
        var finished = new RepairFinished(At, RepairRung.ResetPeer, RepairOutcome.Succeeded, TimeSpan.FromTicks(15_009_999), "ok");

        var back = (RepairFinished)_serializer.FromBinary(_serializer.ToBinary(finished), "repair-finished.v2");

        Assert.Equal(At, back.At);
        Assert.Equal(TimeSpan.FromHours(1), back.At.Offset);
        Assert.Equal(TimeSpan.FromMilliseconds(1_500), back.Duration);
    }

    // ---- The v1 wire format, as old journal rows hold it ------------------------------------------------

    private const string AtText = "2026-11-25T10:00:00.1234567+01:00";
    private const string LaterText = "2026-11-25T10:00:42.1234567+01:00";

    public static TheoryData<string, string, object> V1Rows => new()
    {
        { "healthy.v1", $$"""{"at":"{{AtText}}","reason":"handshake 5 s old"}""", new TunnelBecameHealthy(At, "handshake 5 s old") },
        {
            "stale.v1", $$"""{"at":"{{AtText}}","reason":"InterfaceMissing","detail":"interface wg0 is missing","requestedBy":null}""",
            new TunnelWentStale(At, StaleReason.InterfaceMissing, "interface wg0 is missing")
        },
        {
            "stale.v1", $$"""{"at":"{{AtText}}","reason":"NeverHandshaken","detail":"no handshake within 181 s"}""",
            new TunnelWentStale(At, StaleReason.NeverHandshaken, "no handshake within 181 s")
        },
        {
            "stale.v1", $$"""{"at":"{{AtText}}","reason":"OperatorRequest","detail":"restart requested by bob","requestedBy":"bob"}""",
            new TunnelWentStale(At, StaleReason.OperatorRequest, "restart requested by bob", "bob")
        },
        {
            "repair-started.v1", $$"""{"at":"{{AtText}}","rung":"reresolve-endpoint","attempt":1,"requestedBy":"supervisor"}""",
            new RepairStarted(At, RepairRung.ReresolveEndpoint, 1, "supervisor")
        },
        {
            "repair-finished.v1",
            $$"""{"at":"{{LaterText}}","rung":"restart-interface","outcome":"ActionFailed","durationMs":42000,"detail":"wg-quick up failed"}""",
            new RepairFinished(Later, RepairRung.RestartInterface, RepairOutcome.ActionFailed, TimeSpan.FromSeconds(42), "wg-quick up failed")
        },
        {
            "repair-finished.v1", $$"""{"at":"{{LaterText}}","rung":"command","outcome":"Interrupted","durationMs":5,"detail":"stopped"}""",
            new RepairFinished(Later, RepairRung.Command, RepairOutcome.Interrupted, TimeSpan.FromMilliseconds(5), "stopped")
        },
        { "backoff.v1", $$"""{"at":"{{AtText}}","until":"{{LaterText}}","failedAttempts":2}""", new BackoffStarted(At, Later, 2) },
        { "gap.v1", $$"""{"at":"{{LaterText}}","droppedEvents":17,"since":"{{AtText}}"}""", new HistoryGap(Later, 17, At) },
        {
            "state.v1",
            """{"phase":"Unknown","phaseSince":null,"reason":null,"staleReason":null,"episodeStartedAt":null,"failedAttempts":0,"currentRepair":null,"lastRepair":null,"backoffUntil":null,"repairCount":0,"requestedBy":null}""",
            TunnelState.Initial
        },
        {
            // A snapshot written before the state knew why its episode began: that field is simply absent.
            "state.v1",
            $$"""
            {"phase":"Restarting","phaseSince":"{{LaterText}}","reason":"restart-interface attempt 3","staleReason":"BackoffElapsed",
             "episodeStartedAt":"{{AtText}}","failedAttempts":2,
             "currentRepair":{"rung":"restart-interface","attempt":3,"startedAt":"{{LaterText}}","requestedBy":"operator:alice"},
             "lastRepair":{"rung":"reset-peer","outcome":"ActionFailed","at":"{{AtText}}","durationMs":2345,"detail":"wg set failed"},
             "backoffUntil":null,"repairCount":7,"requestedBy":"operator:alice"}
            """,
            FullState with { EpisodeReason = null, BackoffUntil = null, RecentRepairs = ValueList<DateTimeOffset>.Empty, QuarantinedUntil = null }
        },
    };

    [Theory]
    [MemberData(nameof(V1Rows))]
    public void A_v1_row_still_reads(string manifest, string json, object expected)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.Equal(expected, _serializer.FromBinary(bytes, manifest));
        Assert.Equal(expected, Sys.Serialization.Deserialize(bytes, TunnelEventSerializer.SerializerId, manifest));
    }

    [Theory]
    [MemberData(nameof(V1Rows))]
    public void Events_are_written_with_the_v1_field_names(string manifest, string json, object expected)
    {
        var written = JsonNode.Parse(_serializer.ToBinary(expected))!.AsObject();
        var row = JsonNode.Parse(json)!.AsObject();

        // The state may gain optional fields, and a new version may add fields; an event's fields are otherwise its v1
        // fields, no more, no fewer (nulls aside).
        var writtenNames = written.Where(p => p.Value is not null).Select(p => p.Key).ToHashSet();
        var rowNames = row.Where(p => p.Value is not null).Select(p => p.Key).ToHashSet();
        if (manifest == "state.v1") Assert.Superset(rowNames, writtenNames);
        else if (manifest == "repair-finished.v1") Assert.Equal([.. rowNames, "attempt"], writtenNames);
        else Assert.Equal(rowNames, writtenNames);
    }

    [Fact]
    public void An_unknown_manifest_or_a_missing_field_or_an_unknown_name_is_a_serialization_error()
    {
        var unknownManifest = Assert.Throws<SerializationException>(() => _serializer.FromBinary("{}"u8.ToArray(), "stale.v9"));
        Assert.Contains("stale.v9", unknownManifest.Message);
        var missing = Assert.Throws<SerializationException>(() =>
            _serializer.FromBinary(Encoding.UTF8.GetBytes($$"""{"at":"{{AtText}}","rung":"reset-peer","attempt":1}"""), "repair-started.v1"));
        Assert.Contains("requestedBy", missing.Message);
        Assert.Throws<SerializationException>(() =>
            _serializer.FromBinary(Encoding.UTF8.GetBytes($$"""{"at":"{{AtText}}","reason":"Gremlins","detail":"x"}"""), "stale.v1"));
        Assert.Throws<SerializationException>(() =>
            _serializer.FromBinary(Encoding.UTF8.GetBytes($$"""{"at":"{{AtText}}","rung":"reboot","attempt":1,"requestedBy":"x"}"""), "repair-started.v1"));
        Assert.Throws<ArgumentException>(() => _serializer.Manifest("not an event"));
    }

    // ---- Regressions of fixed defects ----------------------------------------------------------------

    /// <summary>
    /// Enum fields are read with Enum.TryParse, which also takes numbers: "99" becomes an undefined StaleReason
    /// and "2" silently means whatever the enum's third member is today. Names are the wire format; numbers
    /// should be rejected like any unknown name.
    /// </summary>
    [Theory]
    [InlineData("99")]
    [InlineData("2")]
    public void A_number_in_an_enum_field_is_a_serialization_error(string number)
    {
        var row = Encoding.UTF8.GetBytes($$"""{"at":"{{AtText}}","reason":"{{number}}","detail":"x","requestedBy":null}""");

        Assert.Throws<SerializationException>(() => _serializer.FromBinary(row, "stale.v1"));
    }
}
