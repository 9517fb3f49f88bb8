using WgSupervisor.Host.Configuration;
using WgSupervisor.WireGuard.Simulation;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

public sealed class SimulationSectionTests
{
    [Fact]
    public void With_the_real_backend_there_is_no_simulation_and_giving_one_is_a_problem()
    {
        var empty = new SettingsReader();
        var given = new SettingsReader();

        Assert.Null(SimulationSection.Read(empty, Json("{}"), BackendKind.WireGuard));
        Assert.Null(SimulationSection.Read(given, Json("""{ "Tunnels": 5 }"""), BackendKind.WireGuard));

        Assert.Empty(empty.Problems);
        Assert.Equal(("Simulation", "only read with Backend: Simulated"), (Single(given).Where, Single(given).Problem));
    }

    [Fact]
    public void Simulated_without_settings_is_ten_tunnels_that_never_break_by_themselves()
    {
        var reader = new SettingsReader();

        var simulation = SimulationSection.Read(reader, Json("{}"), BackendKind.Simulated);

        Assert.Equal(new SimulationSettings(10), simulation);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var reader = new SettingsReader();

        var simulation = SimulationSection.Read(reader, Json("""
            { "Tunnels": 3, "Namespace": "lab", "BreakEverySeconds": 2, "BreakAllAfterSeconds": 30, "RepairSeconds": 0.5,
              "FixProbability": 1, "StateFile": "world.json", "Seed": 7 }
            """), BackendKind.Simulated);

        Assert.Equal(new SimulationSettings(3, "lab", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(0.5), 1, "world.json", 7),
            simulation);
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void Each_mistake_is_reported_at_its_key()
    {
        var reader = new SettingsReader();

        SimulationSection.Read(reader, Json("""{ "Tunnels": 0, "Namespace": "a b", "FixProbability": 1.5, "RepairSeconds": 0, "Speed": 2 }"""),
            BackendKind.Simulated);

        Assert.Equal(["Simulation:FixProbability", "Simulation:Namespace", "Simulation:RepairSeconds", "Simulation:Speed", "Simulation:Tunnels"],
            Places(reader));
    }
}
