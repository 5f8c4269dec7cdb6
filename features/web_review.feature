Feature: A reviewer scores a micro-credential in the web UI
  A reviewer opens the review page from their invitation. The page shows the Annex I
  descriptor and, for every criterion, the evidence the provider cited in the
  self-assessment, beside the rubric. The reviewer accepts the invitation and answers the
  conflict-of-interest question before scoring anything; declaring a conflict ends the
  assignment. Every answer is saved as soon as it is chosen, with no save button, says when
  it was saved, and is still there after a reload; the page counts how many of the 43
  criteria are scored. A review is submitted only when every criterion has a level or
  "cannot judge", and the page names the criteria still missing. A submitted review is
  locked and the page says so. A reviewer never sees another reviewer's review, and cannot
  open it.

  Background:
    Given a micro-credential "Applied Data Analysis with Python" in peer review
    And Agnieszka, the subject expert, is signed in

  Scenario: An invited reviewer accepts, declares no conflict and scores with autosave
    When Agnieszka opens her review page
    Then the page says "You are invited to review this micro-credential"
    And the page shows the descriptor and the provider's evidence for "QUAL-1"
    And the rubric cannot be scored yet
    When Agnieszka accepts the invitation
    And Agnieszka declares no conflict of interest
    And Agnieszka scores "QUAL-1" at level 2 with the comment "Approval record of 2026-05-04 seen"
    Then "QUAL-1" says it was saved
    And the progress shows 1 of 43 criteria scored
    When Agnieszka scores "QUAL-2" as cannot judge with the comment "No monitoring plan in the file"
    Then the progress shows 2 of 43 criteria scored
    When Agnieszka opens her review page
    Then "QUAL-1" is at level 2 with the comment "Approval record of 2026-05-04 seen"
    And "QUAL-2" is marked cannot judge
    And the page says "2 of 43"

  Scenario: Submitting an incomplete review names the criteria still missing
    Given Agnieszka has accepted the invitation and declared no conflict of interest
    And Agnieszka has scored every criterion at level 3 except:
      | criterion |
      | VASS-2    |
      | AUTH-4    |
    When Agnieszka submits the review recommending "approved"
    Then the submission is refused with "2 criteria still need an answer", naming:
      | criterion |
      | VASS-2    |
      | AUTH-4    |
    And Agnieszka's assignment is "accepted"

  Scenario: A complete review is submitted and the page is locked
    Given Agnieszka has accepted the invitation and declared no conflict of interest
    And Agnieszka has scored every criterion at level 3 except:
      | criterion |
      | VASS-2    |
    When Agnieszka scores "VASS-2" as cannot judge with the comment "The exam rules were not provided"
    And Agnieszka submits the review recommending "approved with conditions"
    Then Agnieszka's assignment is "submitted"
    When Agnieszka opens her review page
    Then the page says "It is locked"
    And the page says "Approve with conditions"
    And nothing on the page can be changed
    When Agnieszka scores "QUAL-1" at level 0 with the comment "Second thoughts"
    Then the save is refused with "this review is submitted; scores can no longer change"
    And "QUAL-1" says it was not saved

  Scenario: A reviewer who declares a conflict of interest cannot score
    When Agnieszka accepts the invitation
    And Agnieszka declares a conflict of interest: "I co-designed module 2 of this course"
    Then Agnieszka's assignment is "cancelled"
    When Agnieszka opens her review page
    Then the page says "You declared a conflict of interest"
    And nothing on the page can be changed
    When Agnieszka scores "QUAL-1" at level 3 with the comment "Looks fine"
    Then the save is refused with "this review is cancelled; scores can no longer change"

  Scenario: A reviewer cannot open or score another reviewer's assignment
    Given the labour-market expert submitted a review scoring every criterion 1
    And Agnieszka has accepted the invitation and declared no conflict of interest
    When Agnieszka opens the labour-market expert's review page
    Then she is refused with 403 "This review is assigned to someone else"
    When Agnieszka scores "QUAL-1" at level 3 on the labour-market expert's review
    Then she is refused with 403 "This review is assigned to someone else"
    When Agnieszka opens her review page
    Then none of the labour-market expert's scores is shown
