namespace WgSupervisor.Integration.Tests.Support;

/// <summary>A supervisor on the simulated backend: no root needed, tunnels that break and mend on their own.</summary>
public static class SimulatedSupervisor
{
    public static async Task<(SupervisorProcess Supervisor, SupervisorConfigFile Config)> StartAsync(int tunnels = 4, double breakEverySeconds = 1,
        double fixProbability = 1.0, object? extra = null, int[]? sites = null)
    {
        var config = new SupervisorConfigFile(new { });
        var port = SupervisorProcess.FreePort();
        var json = System.Text.Json.Nodes.JsonNode.Parse(SupervisorProcess.ToJson(new
        {
            NodeName = "api",
            Admin = new { Url = $"http://127.0.0.1:{port}" },
            PollIntervalSeconds = 0.5,
            Backend = "Simulated",
            // The simulation breaks tunnels independently; held as one common cause, they would not be repaired at all.
            CommonCause = new { Enabled = false },
            Simulation = new { Tunnels = tunnels, BreakEverySeconds = breakEverySeconds, RepairSeconds = 0.1, FixProbability = fixProbability },
            Journal = new { Provider = "Sqlite", SqlitePath = config.JournalPath },
            Defaults = new { StaleAfterSeconds = 2, VerifyTimeoutSeconds = 2, Repair = new[] { "restart-interface" } },
        }))!.AsObject();
        if (extra is not null)
            foreach (var (key, value) in System.Text.Json.Nodes.JsonNode.Parse(SupervisorProcess.ToJson(extra))!.AsObject().ToList())
                json[key] = value?.DeepClone();
        File.WriteAllText(config.FilePath, json.ToJsonString());
        try
        {
            return (await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}")), config);
        }
        catch
        {
            config.Dispose();
            throw;
        }
    }
}
