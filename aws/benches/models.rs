//! What the first use of a service's model costs: decompressing and parsing it (`cargo bench
//! -p stepwise-aws`). The goal is 20 ms for any service; EC2's model is the largest.

use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("first_use");
    group.sample_size(20);
    for name in ["dynamodb", "s3", "sfn", "ec2", "sagemaker"] {
        group.bench_function(name, |b| {
            b.iter(|| stepwise_aws::registry::parse(name).unwrap().unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
