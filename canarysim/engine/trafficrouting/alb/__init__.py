"""AWS ALB: the action annotations Argo writes on the Ingresses, and how an ALB routes over them.

:mod:`.reconcile` is Argo's ALB reconciler as pure rewrites (``rollout/trafficrouting/alb/
alb.go``): on every ALB Ingress of the Rollout, the ``actions.<root or stable Service>``
annotation holds a ``forward`` action whose target groups carry the canary, any experiment
Services and the stable weight; ``setHeaderRoute`` adds an ``actions.<route>`` annotation
forwarding all to the canary, a ``conditions.<route>`` annotation with the header matches and a
path for the route; ``managed-alb-annotations`` records what the Rollout owns. :mod:`.match`
reads the Ingresses back as the AWS Load Balancer Controller turns them into listener rules
and as the ALB picks a target group for one request. :mod:`.verify` is ``VerifyWeight``: the
target-group weights the AWS API reports, compared with the desired weights. :mod:`.targets`
is the target-group verification of ``--aws-verify-target-group``: the pod IPs registered in
the target groups TargetGroupBindings bind to a Service, compared with its Endpoints.

May import: the standard library, :mod:`canarysim.errors` and :mod:`canarysim.engine.model`.
"""
