using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;
using Xunit;

namespace WgSupervisor.Domain.Tests.Admin;

/// <summary>History events as the API shows them: the hold, and the diagnosis that chose a repair.</summary>
public sealed class HistoryReaderTests
{
    [Fact]
    public void A_hold_is_a_held_event_with_its_cause_and_diagnosis()
    {
        var json = HistoryReader.ToJson(7, new RepairHeld(Summaries.T0, Cause.UnderlayDown, "underlay down for 4 of 4 tunnels"));

        Assert.Equal(7, json["seq"]!.GetValue<long>());
        Assert.Equal("held", json["type"]!.GetValue<string>());
        Assert.Equal(Summaries.T0, json["at"]!.GetValue<DateTimeOffset>());
        Assert.Equal("underlay-down", json["cause"]!.GetValue<string>());
        Assert.Equal("underlay down for 4 of 4 tunnels", json["diagnosis"]!.GetValue<string>());
    }

    [Fact]
    public void A_repair_started_by_a_diagnosis_names_its_cause_and_diagnosis()
    {
        var json = HistoryReader.ToJson(3, new RepairStarted(Summaries.T0, RepairRung.ResetPeer, 1, "supervisor", Cause.SessionLost, "site lost its session"));

        Assert.Equal("repair-started", json["type"]!.GetValue<string>());
        Assert.Equal(("session-lost", "site lost its session"), (json["cause"]!.GetValue<string>(), json["diagnosis"]!.GetValue<string>()));
    }

    [Fact]
    public void A_repair_started_without_a_diagnosis_has_no_cause_or_diagnosis_fields()
    {
        var json = HistoryReader.ToJson(3, new RepairStarted(Summaries.T0, RepairRung.RestartInterface, 2, "alice via admin API"));

        Assert.False(json.ContainsKey("cause"));
        Assert.False(json.ContainsKey("diagnosis"));
        Assert.Equal("alice via admin API", json["requestedBy"]!.GetValue<string>());
    }

    [Fact]
    public void The_type_filter_accepts_held()
    {
        Assert.Contains("held", HistoryReader.EventTypes);
        Assert.Equal("held", HistoryReader.EventTypeName(new RepairHeld(Summaries.T0, Cause.SiteUnreachable, "site does not answer")));
    }
}
