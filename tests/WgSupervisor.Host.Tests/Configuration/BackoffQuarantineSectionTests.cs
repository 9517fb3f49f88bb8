using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

/// <summary>The Backoff and Quarantine sections: read on top of what Defaults gave, key by key.</summary>
public sealed class BackoffQuarantineSectionTests
{
    private static readonly BackoffPolicy Inherited = new(TimeSpan.FromSeconds(4), 3, TimeSpan.FromSeconds(100)) { Escalation = TimeSpan.FromSeconds(2) };

    private static BackoffPolicy ReadBackoff(SettingsReader reader, string json) =>
        BackoffSection.Read(Key(reader, $$"""{ "Backoff": {{json}} }""", "Backoff", "Tunnels:0:Backoff"), Inherited);

    private static QuarantinePolicy ReadQuarantine(SettingsReader reader, string json) =>
        QuarantineSection.Read(Key(reader, $$"""{ "Quarantine": {{json}} }""", "Quarantine", "Defaults:Quarantine"), QuarantinePolicy.Default);

    [Fact]
    public void A_backoff_key_overrides_only_itself()
    {
        var reader = new SettingsReader();

        var backoff = ReadBackoff(reader, """{ "Factor": 1.5 }""");

        Assert.Equal(Inherited with { Factor = 1.5 }, backoff);
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Escalation);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Every_backoff_key_is_read()
    {
        var reader = new SettingsReader();

        var backoff = ReadBackoff(reader, """{ "BaseSeconds": 1, "Factor": 2, "CapSeconds": 60, "EscalateSeconds": 0 }""");

        Assert.Equal(new BackoffPolicy(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(60)) { Escalation = TimeSpan.Zero }, backoff);
    }

    [Fact]
    public void The_cap_may_not_be_below_the_base_even_when_the_base_is_inherited()
    {
        var reader = new SettingsReader();

        ReadBackoff(reader, """{ "CapSeconds": 3 }""");

        Assert.Equal(("Tunnels:0:Backoff:CapSeconds", "must not be below Backoff:BaseSeconds"), (Single(reader).Where, Single(reader).Problem));
    }

    [Fact]
    public void Backoff_mistakes_are_reported_at_their_key_paths()
    {
        var reader = new SettingsReader();

        ReadBackoff(reader, """{ "BaseSeconds": 0, "Factor": 0.5, "EscalateSeconds": -1, "Jitter": true }""");

        Assert.Equal(["Tunnels:0:Backoff:BaseSeconds", "Tunnels:0:Backoff:EscalateSeconds", "Tunnels:0:Backoff:Factor", "Tunnels:0:Backoff:Jitter"],
            Places(reader));
    }

    [Fact]
    public void Quarantine_keys_are_read_over_the_inherited_policy()
    {
        var reader = new SettingsReader();

        Assert.Equal(QuarantinePolicy.Default, ReadQuarantine(reader, "{}"));
        Assert.Equal(new QuarantinePolicy(3, TimeSpan.FromSeconds(60), false),
            ReadQuarantine(reader, """{ "MaxRepairs": 3, "WindowSeconds": 60, "ReleaseAfterWindow": false }"""));
        Assert.Equal(QuarantinePolicy.Default with { MaxRepairs = 2 }, ReadQuarantine(reader, """{ "MaxRepairs": 2 }"""));
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Quarantine_mistakes_are_reported_at_their_key_paths()
    {
        var reader = new SettingsReader();

        ReadQuarantine(reader, """{ "MaxRepairs": 0, "WindowSeconds": 0.5, "ReleaseAfterWindow": "later", "Forever": true }""");

        Assert.Equal(["Defaults:Quarantine:Forever", "Defaults:Quarantine:MaxRepairs", "Defaults:Quarantine:ReleaseAfterWindow",
            "Defaults:Quarantine:WindowSeconds"], Places(reader));
    }
}
