using CsiDriver.ExternalSecrets.Hosting;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary>The <c>controller</c> subcommand's flags: help, defaults, and bad input.</summary>
public sealed class ControllerCommandTests
{
    [Fact]
    public async Task Help_ListsEveryFlagWithItsDefault_ExitsZero()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await ControllerCommand.RunAsync(["--help"], output, error);

        code.Should().Be(0);
        foreach (var flag in ControllerFlags.All)
        {
            output.ToString().Should().Contain($"--{flag.Name} ");
        }

        output.ToString().Should().Contain("(default :8080)").And.Contain("(default external-secrets-controller)").And.Contain("(default default)");
        error.ToString().Should().BeEmpty();
    }

    [Fact]
    public void Defaults_AreTheExternalSecretsOperators()
    {
        var options = ControllerFlags.Parse([]);

        options.MetricsAddr.Should().Be(":8080");
        options.LeaderElect.Should().BeTrue();
        options.Concurrent.Should().Be(4, "reconciles wait on I/O, so the default is above the operator's 1");
        options.ControllerClass.Should().Be("default");
        options.Namespace.Should().BeNull("all namespaces");
        options.LeaseDuration.Should().Be(TimeSpan.FromSeconds(15));
        options.RenewDeadline.Should().Be(TimeSpan.FromSeconds(10));
        options.RetryPeriod.Should().Be(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Flags_GoSyntax_AllForms()
    {
        var options = ControllerFlags.Parse(["--leader-elect=false", "-namespace", "team-a", "--concurrent=8", "--controller-class", "blue", "--metrics-addr=127.0.0.1:9090", "-v=5", "--log-format-json"]);

        options.LeaderElect.Should().BeFalse();
        options.Namespace.Should().Be("team-a");
        options.Concurrent.Should().Be(8);
        options.ControllerClass.Should().Be("blue");
        options.MetricsAddr.Should().Be("127.0.0.1:9090");
        options.Verbosity.Should().Be(5);
        options.LogFormatJson.Should().BeTrue();
    }

    [Theory]
    [InlineData("--no-such-flag", "unknown flag '--no-such-flag'")]
    [InlineData("--concurrent=0", "invalid value '0' for --concurrent")]
    [InlineData("--concurrent=many", "invalid value 'many' for --concurrent")]
    [InlineData("--leader-elect=maybe", "invalid value 'maybe' for --leader-elect")]
    [InlineData("--metrics-addr=nowhere", "invalid value 'nowhere' for --metrics-addr")]
    [InlineData("--namespace=Team_A", "invalid value 'Team_A' for --namespace")]
    [InlineData("--leader-election-renew-deadline=20s", "must be shorter than --leader-election-lease-duration")]
    [InlineData("stray", "unexpected argument 'stray'")]
    [InlineData("--kubeconfig", "flag '--kubeconfig' needs a value")]
    public async Task BadFlag_ExitsTwo_WithAClearMessage(string arg, string message)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await ControllerCommand.RunAsync([arg], output, error);

        code.Should().Be(2);
        error.ToString().Should().StartWith("csi-secrets-store controller: ").And.Contain(message);
        output.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task NoKubernetesApi_ExitsOne_SayingHowToConnect()
    {
        using var directory = new TestDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await ControllerCommand.RunAsync([$"--kubeconfig={directory.Combine("missing")}"], output, error);

        code.Should().Be(1);
        error.ToString().Should().StartWith("csi-secrets-store controller: ");
    }

    [Fact]
    public async Task BuiltBinary_ControllerHelp_ExitsZero_BadFlagExitsTwo()
    {
        using var help = DriverProcess.Start("controller", "--help");
        using var bad = DriverProcess.Start("controller", "--bogus");

        (await help.WaitForExitAsync(TimeSpan.FromSeconds(60))).Should().Be(0);
        (await bad.WaitForExitAsync(TimeSpan.FromSeconds(60))).Should().Be(2);
        await Eventually.TrueAsync(() => help.Output.Contains("--leader-election-id ", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the help text");
        await Eventually.TrueAsync(() => bad.Output.Contains("unknown flag '--bogus'", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the error");
    }
}
