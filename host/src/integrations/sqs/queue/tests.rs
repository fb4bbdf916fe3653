//! Tests of `queue`.

use super::*;

fn message(seq: u64) -> StoredMessage {
    StoredMessage {
        seq,
        id: format!("m{seq}"),
        body: format!("body {seq}"),
        md5_body: String::new(),
        attributes: BTreeMap::new(),
        md5_attributes: None,
        sent_ms: 1_000,
        delayed_until_ms: 0,
    }
}

#[test]
fn a_received_message_comes_back_after_its_visibility_timeout_with_a_higher_count() {
    let t0 = Instant::now();
    let mut q = QueueState::default();
    q.push(message(1), t0);
    let first = q.receive(t0, 0, 10, Duration::from_secs(1));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message.receive_count, 1);
    assert!(q.receive(t0, 0, 10, Duration::from_secs(1)).is_empty());
    assert_eq!(q.counts(t0), (0, 1, 0));
    assert_eq!(q.next_visible(t0), Some(t0 + Duration::from_secs(1)));
    let later = t0 + Duration::from_secs(1);
    let again = q.receive(later, 0, 10, Duration::from_secs(1));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].message.receive_count, 2);
    assert_ne!(again[0].receipt, first[0].receipt);
}

#[test]
fn receive_hands_out_the_oldest_first_up_to_max_and_skips_delayed_ones() {
    let t0 = Instant::now();
    let mut q = QueueState::default();
    q.push(message(3), t0);
    q.push(message(1), t0);
    q.push(message(2), t0 + Duration::from_secs(5));
    let got = q.receive(t0, 0, 1, Duration::from_secs(30));
    assert_eq!(got[0].message.stored.id, "m1");
    let got = q.receive(t0, 0, 10, Duration::from_secs(30));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message.stored.id, "m3");
    assert_eq!(q.counts(t0), (0, 2, 1));
}

#[test]
fn delete_and_change_visibility_go_by_receipt_handle() {
    let t0 = Instant::now();
    let mut q = QueueState::default();
    q.push(message(1), t0);
    assert_eq!(q.delete("garbage"), Err(ReceiptError::Invalid));
    let got = q.receive(t0, 0, 1, Duration::from_secs(30));
    let receipt = &got[0].receipt;
    q.change_visibility(receipt, t0, Duration::ZERO).unwrap();
    assert_eq!(
        q.change_visibility(receipt, t0, Duration::ZERO),
        Err(ReceiptError::NotInflight)
    );
    assert_eq!(q.delete(receipt).unwrap().unwrap().id, "m1");
    assert_eq!(q.delete(receipt), Ok(None));
    assert_eq!(q.counts(t0), (0, 0, 0));
}

#[test]
fn a_handle_from_an_earlier_receive_no_longer_deletes_or_extends() {
    let t0 = Instant::now();
    let mut q = QueueState::default();
    q.push(message(1), t0);
    let old = q.receive(t0, 0, 1, Duration::ZERO).remove(0).receipt;
    let new = q
        .receive(t0, 0, 1, Duration::from_secs(30))
        .remove(0)
        .receipt;
    assert_eq!(
        q.change_visibility(&old, t0, Duration::ZERO),
        Err(ReceiptError::Gone)
    );
    assert_eq!(q.delete(&old), Ok(None));
    assert_eq!(q.counts(t0), (0, 1, 0));
    assert_eq!(q.delete(&new).unwrap().unwrap().id, "m1");
}

#[test]
fn messages_past_their_retention_expire() {
    let mut q = QueueState::default();
    q.push(message(1), Instant::now());
    assert!(q.expire(2_000, Duration::from_secs(60)).is_empty());
    assert_eq!(q.expire(62_000, Duration::from_secs(60)), vec!["m1"]);
    assert!(q.ids().is_empty());
}
