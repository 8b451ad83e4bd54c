using CsiDriver.ExternalSecrets.Hosting;
using CsiDriver.ExternalSecrets.Reconcile;
using Microsoft.Extensions.DependencyInjection;

namespace CsiDriver.Tests.ExternalSecrets;

/// <summary><c>--find-max-keys</c>: default, parsing, bad values, and its way into the reconcile options.</summary>
public sealed class FindMaxKeysFlagTests
{
    [Fact]
    public void Default_1000_AndSetValueReachesTheReconcileOptions()
    {
        ControllerFlags.Parse([]).FindMaxKeys.Should().Be(1000);

        var options = ControllerFlags.Parse(["--find-max-keys=50"]);
        using var services = new ServiceCollection().AddExternalSecretsReconciliation(options).BuildServiceProvider();

        services.GetRequiredService<ExternalSecretsReconcileOptions>().FindMaxKeys.Should().Be(50);
    }

    [Theory]
    [InlineData("--find-max-keys=0")]
    [InlineData("--find-max-keys=-3")]
    [InlineData("--find-max-keys=lots")]
    public void NotAPositiveNumber_RefusedNamingTheFlag(string arg)
    {
        var act = () => ControllerFlags.Parse([arg]);

        act.Should().Throw<ArgumentException>().WithMessage("*--find-max-keys*");
    }

    [Fact]
    public void Help_ListsTheFlagWithItsDefault()
    {
        ControllerFlags.Help().Should().Contain("--find-max-keys").And.Contain("(default 1000)");
    }
}
