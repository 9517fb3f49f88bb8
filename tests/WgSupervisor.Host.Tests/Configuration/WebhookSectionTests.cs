using System.Text;
using WgSupervisor.Host.Configuration;
using Xunit;
using static WgSupervisor.Domain.Tests.Configuration.SectionInput;

namespace WgSupervisor.Domain.Tests.Configuration;

public sealed class WebhookSectionTests
{
    private static IReadOnlyList<WebhookSettings> Read(SettingsReader reader, string webhooks, string? environmentSecret = null) =>
        WebhookSection.Read(reader, Json($$"""{ "Webhooks": {{webhooks}} }""").GetSection("Webhooks"), environmentSecret);

    [Fact]
    public void A_webhook_with_only_a_url_gets_the_default_events_and_limits()
    {
        var reader = new SettingsReader();

        var hook = Assert.Single(Read(reader, """[ { "Url": "https://hooks.example.net/T1/secret" } ]"""));

        Assert.Empty(reader.Problems);
        Assert.Equal("https://hooks.example.net/T1/secret", hook.Url.ToString());
        Assert.Equal(["quarantined", "recovered", "stale"], hook.Events.Order(StringComparer.Ordinal));
        Assert.Equal((TimeSpan.FromSeconds(5), 6), (hook.Timeout, hook.MaxAttempts));
        Assert.Null(hook.Secret);
    }

    [Fact]
    public void The_environment_secret_signs_every_webhook_and_the_keys_are_read()
    {
        var reader = new SettingsReader();

        var hooks = Read(reader, """
            [ { "Url": "http://127.0.0.1:9000/a", "Events": [ "paused", "resumed" ], "TimeoutSeconds": 2, "MaxAttempts": 3 },
              { "Url": "http://127.0.0.1:9000/b" } ]
            """, environmentSecret: "s3cret");

        Assert.Empty(reader.Problems);
        Assert.Equal(2, hooks.Count);
        Assert.All(hooks, hook => Assert.Equal("s3cret", Encoding.UTF8.GetString(hook.Secret!)));
        Assert.Equal(["paused", "resumed"], hooks[0].Events.Order(StringComparer.Ordinal));
        Assert.Equal((TimeSpan.FromSeconds(2), 3), (hooks[0].Timeout, hooks[0].MaxAttempts));
    }

    [Fact]
    public void Each_mistake_is_reported_at_its_key_path_and_the_webhook_is_left_out()
    {
        var reader = new SettingsReader();

        var hooks = Read(reader, """
            [ { "Url": "ftp://example.net/" }, { "Events": [ "stale", "exploded" ] },
              { "Url": "http://example.net/", "SecretFile": "/nonexistent/secret", "MaxAttempts": 50, "Retry": true } ]
            """);

        Assert.Empty(hooks);
        Assert.Equal(["Webhooks:0:Url", "Webhooks:1:Events:1", "Webhooks:1:Url", "Webhooks:2:MaxAttempts", "Webhooks:2:Retry", "Webhooks:2:SecretFile"],
            Places(reader));
    }
}
