Feature: Reviewer deadlines
  Every invitation to review has two due dates: the reviewer answers the invitation by
  the respond-by date and, having accepted, submits the review by the review-by date.
  The deadlines run once a day. It reminds reviewers before and after each due date,
  marks a late review as overdue, tells the QA officers about a review that stays
  overdue, and lets an unanswered invitation expire so that someone else can be invited.
  Running it twice on the same day sends nothing twice.

  Background:
    Given a micro-credential in peer review with three invited reviewers

  Scenario: Reminders go out before and after each due date
    Given the first reviewer has accepted the invitation
    When the deadlines run 3 days before the answer is due
    Then each invited reviewer gets one reminder saying "is due in 3 days"
    When the deadlines run again on the same day
    Then nothing more is sent
    When the deadlines run 1 day before the review is due
    Then the first reviewer gets a reminder saying "is due in 1 day"
    When the deadlines run 1 day after the review is due
    Then the first reviewer gets one message, saying "is 1 day overdue"
    And the first reviewer's review is marked overdue
    When the deadlines run 2 days after the review is due
    Then nothing more is sent

  Scenario: An invitation nobody answers expires and the officer is told
    Given the first reviewer has accepted the invitation
    And the second reviewer has accepted the invitation
    When the deadlines run 2 days after the answer was due
    Then the third reviewer's invitation is still open
    When the deadlines run 3 days after the answer was due
    Then the third reviewer's invitation is cancelled for want of an answer
    And the third reviewer is told that the invitation has expired
    When routing looks for a replacement reviewer
    Then nobody else is invited, because every reviewer has been asked
    And every QA officer is told "not enough reviewers"

  Scenario: An overdue review is escalated to the QA officer
    Given overdue reviews are escalated to the QA officer 5 days after the review date
    And the first reviewer has accepted the invitation
    When the deadlines run 4 days after the review was due
    Then no QA officer has been told about the review
    When the deadlines run 5 days after the review was due
    Then every QA officer is told that the first reviewer's review is overdue
    When the deadlines run again on the same day
    Then nothing more is sent
    When the first reviewer submits the review after all
    Then the first reviewer's review is submitted
