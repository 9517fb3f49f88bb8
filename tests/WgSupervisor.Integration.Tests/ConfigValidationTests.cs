using WgSupervisor.Integration.Tests.Support;

namespace WgSupervisor.Integration.Tests;

/// <summary>The real host refuses a bad configuration with exit code 2 and names every problem at once.</summary>
public sealed class ConfigValidationTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_file_with_three_mistakes_exits_with_code_2_and_names_all_three()
    {
        using var config = new SupervisorConfigFile(new
        {
            PollIntervalSeconds = -1,
            MaxConcurrentRestarts = 2,
            Tunnels = new object[]
            {
                new { Name = "a", Interface = "wg0", PeerPublicKey = "not-a-key", WgQuickConfig = "/etc/wireguard/wg0.conf" },
                new { Name = "b", Interface = "wg1", PeerPublicKey = Convert.ToBase64String(new byte[32]), StaleAfterSecond = 200 },
            },
        });

        var (exitCode, output) = await SupervisorProcess.RunToExitAsync(config.FilePath, ExitTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("PollIntervalSeconds", output);
        Assert.Contains("Tunnels:0:PeerPublicKey", output);
        Assert.Contains("Tunnels:1:StaleAfterSecond", output);
    }

    [Fact]
    public async Task Invalid_json_exits_with_code_2_and_names_the_line()
    {
        using var config = new SupervisorConfigFile(new { });
        await File.WriteAllTextAsync(config.FilePath, "{\n  \"PollIntervalSeconds\": 5,\n  \"Tunnels\": [ }\n");

        var (exitCode, output) = await SupervisorProcess.RunToExitAsync(config.FilePath, ExitTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("line 3", output);
    }

    [Fact]
    public async Task A_missing_file_exits_with_code_2()
    {
        var (exitCode, output) = await SupervisorProcess.RunToExitAsync("/nonexistent/wgsupervisor.json", ExitTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", output);
    }
}
